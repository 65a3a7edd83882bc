import Redis, { Cluster, ClusterOptions, RedisOptions } from 'ioredis';
import { BreakerPhase, BreakerTransitionEvent, OutcomeCounts } from '../../domain/breaker';
import { redisClient } from './redis-client';
import { RedisPeerChannel } from './redis-peer-channel';
import { CountingBatcher } from './counting-batcher';
import {
  DecisionKeys,
  CountingReply,
  ScriptCall,
  ScriptCommand,
  breakerReportCall,
  scriptDefinitions,
} from './counting-scripts';
import { BreakerStateName, CountPlan, CountResult } from '../../domain/decision';
import { DomainError } from '../../domain/errors';
import { BreakerSettings } from '../../domain/rule';
import { BreakerReport, BreakerStore } from '../../ports/breaker-store.port';
import { CounterStore } from '../../ports/counter-store.port';

/** A command ioredis defines for a script (`scripts` option): key count, keys, arguments. */
type ScriptMethod = (...countKeysArgs: (string | number)[]) => Promise<CountingReply>;

/** Decisions of one rule counted in one script call at most (a longer batch takes more calls). */
const MAX_DECISIONS_PER_CALL = 32;

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

const STATE: BreakerStateName[] = ['CLOSED', 'OPEN', 'HALF_OPEN', 'DISABLED'];
const PHASE: BreakerPhase[] = ['CLOSED', 'OPEN', 'HALF_OPEN'];

/**
 * Counters and breakers in Redis or Redis Cluster. One Lua script per algorithm (each starting
 * with the breaker gate) plus the outcome report, defined when the client is created (EVALSHA,
 * falling back to EVAL on NOSCRIPT). The rule's key is the hash tag of every key — counters, per
 * client too, and its breaker — so one script touches one slot, and the decisions of one rule
 * asked in the same event-loop turn share one script call (CountingBatcher), written at once: no
 * ioredis auto-pipelining (it would hold each call for another turn of the loop, and its Cluster
 * routing takes a script's first argument, the key count, for a key). No offline queue, no
 * retries: while Redis is away a call fails at once or after `timeoutMs`, never hangs.
 */
export class RedisCounterStore extends CounterStore implements BreakerStore {
  private readonly client: Redis | Cluster;
  private readonly peers: RedisPeerChannel;
  private readonly batcher: CountingBatcher;

  constructor(private readonly options: RedisCounterOptions) {
    super();
    const scripts = scriptDefinitions();
    const common = {
      commandTimeout: options.timeoutMs,
      connectTimeout: Math.max(options.timeoutMs, 1000),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      protocol: 2 as const,
      retryStrategy: (attempt: number) => Math.min(50 * attempt, 1000),
      scripts,
    };
    this.client = this.connect(common, { scripts });
    this.batcher = new CountingBatcher(
      (plan) => this.keys(plan.rule, plan.client),
      (call) => this.run(call),
      MAX_DECISIONS_PER_CALL,
    );
    // Connection errors are reported per call; this only keeps them from being unhandled.
    this.client.on('error', (error) => this.options.onError?.('connection', error));
    const subscriberOptions = {
      ...common,
      enableOfflineQueue: true,
      autoResubscribe: false,
    };
    this.peers = new RedisPeerChannel(
      this.client,
      () => this.connect(subscriberOptions, { enableOfflineQueue: true }),
      `${options.keyPrefix}breaker-transitions`,
      (error) => this.options.onError?.('peer-channel', error),
    );
  }

  private connect(
    redisOptions: RedisOptions,
    clusterOptions: Partial<ClusterOptions>,
  ): Redis | Cluster {
    return redisClient(this.options, redisOptions, clusterOptions);
  }

  publishTransition(event: BreakerTransitionEvent): Promise<void> {
    return this.peers.publish(event);
  }

  onPeerTransition(listener: (event: BreakerTransitionEvent) => void): void {
    this.peers.listen(listener);
  }

  private keys(rule: string, client = ''): DecisionKeys & { stats: string } {
    const tag = `${this.options.keyPrefix}{${rule}}`;
    const counter = client ? `${tag}:c:${client}` : tag;
    return {
      log: `${counter}:sw`,
      meta: `${counter}:swm`,
      counter: `${counter}:swc`,
      windowed: `${counter}:fw`,
      bucket: `${counter}:tat`,
      breaker: `${tag}:br`,
      stats: `${tag}:bs`,
    };
  }

  /** Every script is called here, with the call its wrapper in counting-scripts.ts built. */
  private run(call: ScriptCall): Promise<CountingReply> {
    const method = (this.client as unknown as Record<ScriptCommand, ScriptMethod>)[call.command];
    return this.bounded(method.call(this.client, call.keys.length, ...call.keys, ...call.args));
  }

  async consume(plan: CountPlan): Promise<CountResult> {
    try {
      return toResult(await this.batcher.count(plan));
    } catch (error) {
      throw this.unavailable('consume', error);
    }
  }

  async consumeMany(plans: CountPlan[]): Promise<PromiseSettledResult<CountResult>[]> {
    return Promise.allSettled(plans.map((plan) => this.consume(plan)));
  }

  async report(
    rule: string,
    settings: BreakerSettings,
    outcomes: OutcomeCounts,
  ): Promise<BreakerReport> {
    const call = breakerReportCall(this.keys(rule), settings, outcomes);
    try {
      const [from, to, total, errorRate, slowRate] = (await this.run(call)) as number[];
      return {
        from: PHASE[from],
        to: PHASE[to],
        total,
        errorRate: errorRate / 1e6,
        slowRate: slowRate / 1e6,
      };
    } catch (error) {
      throw this.unavailable('breaker', error);
    }
  }

  /**
   * A single Redis's commandTimeout bounds one command; in Cluster mode ioredis also retries
   * redirects and CLUSTERDOWN, each attempt with its own timeout, so the whole call gets one.
   */
  private bounded<T>(call: Promise<T>): Promise<T> {
    if (!this.options.clusterNodes.length) return call;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer within ${this.options.timeoutMs} ms`)),
        this.options.timeoutMs,
      );
      call.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  async ping(): Promise<void> {
    try {
      await this.bounded(this.client.ping());
    } catch (error) {
      throw this.unavailable('ping', error);
    }
  }

  /** QUIT lets replies in flight arrive; if Redis is gone, drop the connection at once. */
  async close(): Promise<void> {
    await this.peers.close();
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private unavailable(operation: string, error: unknown): DomainError {
    this.options.onError?.(operation, error);
    const detail = error instanceof Error ? error.message : String(error);
    return new DomainError('STORE_UNAVAILABLE', `redis is unavailable (${operation}): ${detail}`);
  }
}

function toResult(reply: CountingReply): CountResult {
  if (reply[0] === -1) throw new Error(`the counting script failed: ${String(reply[1])}`);
  const [
    admitted,
    over,
    remaining,
    retryAfterMs,
    resetAfterMs,
    blocked,
    state,
    openedToHalf,
    atUs,
  ] = reply as number[];
  return {
    atUs,
    admitted: admitted === 1,
    overLimit: over === 1,
    remaining,
    retryAfterMs,
    resetAfterMs,
    breaker: { blocked: blocked === 1, state: STATE[state], openedToHalf: openedToHalf === 1 },
  };
}
