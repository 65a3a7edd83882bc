/**
 * Breaker types. The state machine itself is the Redis scripts (adapters/redis/lua/breaker-*.lua):
 * they run it atomically and cluster-wide, and test/integration/redis-breaker.int-spec.ts tests it
 * there, on the Redis clock (docs/decisions-and-breakers.md).
 */
export type BreakerMode = 'open' | 'closed' | 'auto';
export type BreakerPhase = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

export interface OutcomeCounts {
  total: number;
  failures: number;
  /** Calls with latency ≥ slowCallMs. */
  slow: number;
}

/** Carried to watchers (WatchRules), peers and logs: one per breaker state change. */
export interface BreakerTransitionEvent {
  rule: string;
  from: BreakerPhase;
  to: BreakerPhase;
  total: number;
  errorRate: number;
  slowRate: number;
  at: string;
}
