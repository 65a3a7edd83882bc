import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis, { Cluster, Result } from 'ioredis';
import { CountPlan, CountResult } from '../../domain/decision';
import { DomainError } from '../../domain/errors';
import { CounterStore } from '../../ports/counter-store.port';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    rcSlidingWindow(
      log: string,
      meta: string,
      limit: number,
      windowMs: number,
      hits: number,
      overdraft: number,
    ): Result<number[], Context>;
    rcTokenBucket(
      bucket: string,
      capacity: number,
      ratePerMs: number,
      hits: number,
      overdraft: number,
    ): Result<number[], Context>;
  }
}

export interface RedisCounterOptions {
  /** redis://host:port[/db]; ignored when clusterNodes is set. */
  url: string;
  /** host:port of Redis Cluster seed nodes; empty for a single Redis. */
  clusterNodes: string[];
  /** Every command fails after this long: a decision never waits longer. */
  timeoutMs: number;
  keyPrefix: string;
  onError?: (operation: string, error: unknown) => void;
}

const lua = (name: string): string => readFileSync(join(__dirname, 'lua', name), 'utf8');

/**
 * Counters in Redis or Redis Cluster. One Lua script per algorithm, defined when the client is
 * created (EVALSHA, falling back to EVAL on NOSCRIPT). Every key of one decision carries the same
 * `{scope}` hash tag, so a script touches one slot. Auto-pipelining batches the calls issued in
 * one tick (a DecideBatch is one round trip per node). No offline queue, no retries: while Redis
 * is away a call fails at once or after `timeoutMs`, never hangs.
 */
export class RedisCounterStore extends CounterStore {
  private readonly client: Redis | Cluster;

  constructor(private readonly options: RedisCounterOptions) {
    super();
    const common = {
      commandTimeout: options.timeoutMs,
      connectTimeout: Math.max(options.timeoutMs, 1000),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      enableAutoPipelining: true,
      protocol: 2 as const,
      retryStrategy: (attempt: number) => Math.min(50 * attempt, 1000),
      scripts: {
        rcSlidingWindow: { numberOfKeys: 2, lua: lua('sliding-window.lua') },
        rcTokenBucket: { numberOfKeys: 1, lua: lua('token-bucket.lua') },
      },
    };
    this.client = options.clusterNodes.length
      ? new Cluster(
          options.clusterNodes.map((n) => {
            const [host, port] = n.split(':');
            return { host, port: Number(port) };
          }),
          {
            redisOptions: common,
            enableOfflineQueue: false,
            scripts: common.scripts,
            enableAutoPipelining: true,
          },
        )
      : new Redis(options.url, common);
    // Connection errors are reported per call; this only keeps them from being unhandled.
    this.client.on('error', (error) => this.options.onError?.('connection', error));
  }

  private keys(scope: string): { log: string; meta: string; bucket: string } {
    const tag = `${this.options.keyPrefix}{${scope}}`;
    return { log: `${tag}:sw`, meta: `${tag}:swm`, bucket: `${tag}:tb` };
  }

  private run(plan: CountPlan): Promise<number[]> {
    const keys = this.keys(plan.scope);
    return plan.algorithm === 'sliding_window'
      ? this.client.rcSlidingWindow(
          keys.log,
          keys.meta,
          plan.limit,
          plan.windowMs,
          plan.hits,
          plan.overdraft,
        )
      : this.client.rcTokenBucket(
          keys.bucket,
          plan.limit,
          plan.refillPerMs,
          plan.hits,
          plan.overdraft,
        );
  }

  async consume(plan: CountPlan): Promise<CountResult> {
    try {
      return toResult(await this.run(plan));
    } catch (error) {
      throw this.unavailable('consume', error);
    }
  }

  async consumeMany(plans: CountPlan[]): Promise<PromiseSettledResult<CountResult>[]> {
    return Promise.allSettled(plans.map((plan) => this.consume(plan)));
  }

  async ping(): Promise<void> {
    try {
      await this.client.ping();
    } catch (error) {
      throw this.unavailable('ping', error);
    }
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }

  private unavailable(operation: string, error: unknown): DomainError {
    this.options.onError?.(operation, error);
    const detail = error instanceof Error ? error.message : String(error);
    return new DomainError('STORE_UNAVAILABLE', `redis is unavailable (${operation}): ${detail}`);
  }
}

function toResult(reply: number[]): CountResult {
  const [admitted, over, remaining, retryAfterMs, resetAfterMs] = reply;
  return { admitted: admitted === 1, overLimit: over === 1, remaining, retryAfterMs, resetAfterMs };
}
