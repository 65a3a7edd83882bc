import type { ChannelOptions } from '@grpc/grpc-js';

export type Verdict = 'ALLOW' | 'REJECT' | 'DEGRADE';

/**
 * Why: the center's reasons, plus `UNREACHABLE` when no instance answered within the deadline and
 * the client decided alone (`source: 'fallback'`).
 */
export type Reason =
  | 'OK'
  | 'RATE_LIMITED'
  | 'CIRCUIT_OPEN'
  | 'NO_RULE'
  | 'SHADOW'
  | 'STORE_UNAVAILABLE'
  | 'UNREACHABLE';

export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN' | 'DISABLED';

export interface ClientOptions {
  /** `host:port` of each Rule Center instance; decisions go round-robin, failing over. */
  targets: string[];
  /** A gRPC caller token (GRPC_TOKENS) with scope `decide` (and `report`, `watch` to use those). */
  token?: string;
  /** TLS: `true` for the system's CAs, or PEM buffers (`cert` + `key` for mTLS). Default: plain. */
  tls?: boolean | { ca?: Buffer; cert?: Buffer; key?: Buffer };
  /** How long `decide()` waits for the center before deciding alone. Default 50 ms. */
  deadlineMs?: number;
  /** `stream` (DecideStream, the default; unary per target that lacks it) or `unary` (Decide). */
  transport?: 'stream' | 'unary';
  /** Fallback answer for a scope the center has never answered for. Default `ALLOW`. */
  unknownScopeVerdict?: 'ALLOW' | 'REJECT';
  /** Outcomes kept while the center is away; past it the oldest are dropped (and counted). Default 10,000. */
  maxPendingOutcomes?: number;
  /** How often buffered outcomes are sent. Default 100 ms. */
  reportIntervalMs?: number;
  /** Extra grpc-js channel options. */
  channelOptions?: ChannelOptions;
}

export interface DecideInput {
  department: string;
  grade: string;
  resource?: string;
  clientId?: string;
  /** Default 1. */
  hits?: number;
}

export interface DecisionResult {
  verdict: Verdict;
  reason: Reason;
  /** `center`: an instance answered; `fallback`: none did in time, the client decided alone. */
  source: 'center' | 'fallback';
  /** The governing rule, `department/grade/window`; empty when no rule governs (or none is known). */
  rule: string;
  /** Requests per window (bucket size for a token bucket); 0 when unknown. */
  limit: number;
  remaining: number;
  retryAfterMs: number;
  resetAfterMs: number;
  /** The span `limit` applies to, in ms (0 when unknown). */
  windowMs: number;
  breakerState: BreakerState;
  rulesRevision: number;
  detail: string;
}

export interface Outcome {
  department: string;
  grade: string;
  resource?: string;
  success: boolean;
  latencyMs: number;
}

export interface ClientStats {
  /** decide() calls answered. */
  decisions: number;
  /** ... of which the client decided alone (`source: 'fallback'`). */
  fallbacks: number;
  /** Decision streams that ended and were opened again. */
  reconnects: number;
  outcomesSent: number;
  /** Outcomes dropped: the oldest when the buffer was full, or refused by the center as malformed. */
  outcomesDropped: number;
  outcomesPending: number;
}

export type WatchEventType = 'PUT' | 'DELETE' | 'SNAPSHOT_END' | 'BREAKER';

export interface WatchEvent {
  type: WatchEventType;
  kind: 'RULE' | 'WINDOW' | 'BREAKER_OVERRIDE' | 'KIND_UNSPECIFIED';
  key: string;
  revision: number;
  /** The stored JSON of a PUT, parsed. */
  value?: unknown;
  snapshot: boolean;
  /** This snapshot replaces everything you had (the resume point was too old). */
  resync: boolean;
  breaker?: {
    from: string;
    to: string;
    total: number;
    errorRate: number;
    slowRate: number;
    at: string;
  };
}

export interface WatchOptions {
  department?: string;
  grade?: string;
  window?: string;
  /** Resume after this revision; default: start with a snapshot. */
  fromRevision?: number;
  /**
   * Each event once, in order. The events of one revision (one transaction can change many keys)
   * and of one snapshot are handed over together, once all of them arrived.
   */
  onEvent(event: WatchEvent): void;
  /** Told of each interruption; the watcher reconnects by itself. */
  onError?(error: Error): void;
}

export interface Watcher {
  /** The last revision fully received: where a new watcher would resume. */
  readonly lastRevision: number;
  close(): void;
}

export interface RuleCenterClient {
  /** Never rejects for outages (then `source: 'fallback'`); rejects with RuleCenterRequestError for a bad request. */
  decide(input: DecideInput): Promise<DecisionResult>;
  /** Queues an outcome for the breakers; sent in batches in the background. */
  report(outcome: Outcome): void;
  watch(options: WatchOptions): Watcher;
  stats(): ClientStats;
  /** Sends what outcomes it can (up to `flushMs`), then closes every connection. */
  close(flushMs?: number): Promise<void>;
}

/** The center refused the request itself (INVALID_ARGUMENT): the same request will never pass. */
export class RuleCenterRequestError extends Error {
  constructor(
    message: string,
    /** The gRPC status code (3, INVALID_ARGUMENT). */
    readonly code: number,
  ) {
    super(message);
    this.name = 'RuleCenterRequestError';
  }
}
