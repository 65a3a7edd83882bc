import Redis, { Cluster } from 'ioredis';
import { DomainError } from '../../domain/errors';
import { TRAFFIC_OUTCOMES, TrafficEntry, TrafficOutcome, zeroCounts } from '../../domain/traffic';
import { TrafficStore } from '../../ports/traffic-store.port';
import { RedisTarget, redisClient } from './redis-client';

export interface RedisTrafficOptions extends RedisTarget {
  timeoutMs: number;
  keyPrefix: string;
  /** Seconds a second's hash lives after that second (at most 900: the API reads 15 minutes). */
  retentionSeconds: number;
  onError?: (operation: string, error: unknown) => void;
}

/** One letter per outcome keeps the hash fields short: `cs/2023/fall|r`. */
const CODE: Record<TrafficOutcome, string> = {
  allowed: 'a',
  rejected: 'r',
  degraded: 'd',
  circuitOpen: 'c',
  shadowWouldReject: 's',
};
const OUTCOME_OF = new Map(TRAFFIC_OUTCOMES.map((o) => [CODE[o], o]));

/**
 * Per-second traffic in Redis: one hash per second, `{prefix}{traffic}:<epoch second>`, with a
 * field per rule and outcome, expiring `retentionSeconds` after its second. Every key carries
 * the same `{traffic}` hash tag, so a flush or a read is one pipeline to one node, on a single
 * Redis and on Redis Cluster alike (a Cluster pipeline must stay in one slot). The cost is one
 * slot for all traffic keys: a few commands per rule per second per instance.
 *
 * Its own connection: a flush never queues in front of a decision's script on the counters'
 * connection, and nothing is added to a decision's call.
 */
export class RedisTrafficStore extends TrafficStore {
  private readonly client: Redis | Cluster;
  readonly retentionSeconds: number;

  constructor(private readonly options: RedisTrafficOptions) {
    super();
    this.retentionSeconds = options.retentionSeconds;
    this.client = redisClient(options, {
      commandTimeout: options.timeoutMs * 10,
      connectTimeout: Math.max(options.timeoutMs, 1000),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      protocol: 2,
      retryStrategy: (attempt: number) => Math.min(100 * attempt, 2000),
    });
    this.client.on('error', (error) => this.options.onError?.('traffic-connection', error));
  }

  private key(second: number): string {
    return `${this.options.keyPrefix}{traffic}:${second}`;
  }

  async add(entries: TrafficEntry[]): Promise<void> {
    if (!entries.length) return;
    const pipeline = this.client.pipeline();
    const seconds = new Set<number>();
    for (const { second, rule, counts } of entries) {
      seconds.add(second);
      for (const outcome of TRAFFIC_OUTCOMES)
        if (counts[outcome])
          pipeline.hincrby(this.key(second), `${rule}|${CODE[outcome]}`, counts[outcome]);
    }
    for (const second of seconds)
      pipeline.expireat(this.key(second), second + this.retentionSeconds);
    await this.exec(pipeline, 'traffic-add');
  }

  async read(fromSecond: number, toSecond: number): Promise<TrafficEntry[]> {
    const pipeline = this.client.pipeline();
    for (let s = fromSecond; s <= toSecond; s++) pipeline.hgetall(this.key(s));
    const replies = await this.exec(pipeline, 'traffic-read');
    const entries: TrafficEntry[] = [];
    replies.forEach((reply, i) => {
      const byRule = new Map<string, TrafficEntry>();
      for (const [field, value] of Object.entries(reply as Record<string, string>)) {
        const bar = field.lastIndexOf('|');
        const outcome = OUTCOME_OF.get(field.slice(bar + 1));
        if (bar < 1 || !outcome) continue;
        const rule = field.slice(0, bar);
        let entry = byRule.get(rule);
        if (!entry) {
          entry = { second: fromSecond + i, rule, counts: zeroCounts() };
          byRule.set(rule, entry);
        }
        entry.counts[outcome] += Number(value) || 0;
      }
      entries.push(...byRule.values());
    });
    return entries;
  }

  private async exec(
    pipeline: ReturnType<Redis['pipeline']>,
    operation: string,
  ): Promise<unknown[]> {
    try {
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed?.[0]) throw failed[0];
      return results.map(([, value]) => value);
    } catch (error) {
      this.options.onError?.(operation, error);
      const detail = error instanceof Error ? error.message : String(error);
      throw new DomainError('STORE_UNAVAILABLE', `redis is unavailable (${operation}): ${detail}`);
    }
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
