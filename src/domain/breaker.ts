import { BreakerSettings } from './rule';

export type BreakerMode = 'open' | 'closed' | 'auto';
export type BreakerPhase = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

/** What the decision path may do, given the breaker. */
export type Gate = { pass: true; probe: boolean } | { pass: false; retryAfterMs: number };

export interface OutcomeCounts {
  total: number;
  failures: number;
  /** Calls with latency ≥ slowCallMs. */
  slow: number;
}

export interface Transition {
  from: BreakerPhase;
  to: BreakerPhase;
  /** The figures that caused it. */
  figures: { total: number; errorRate: number; slowRate: number };
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

/** Stat buckets per statWindowMs: the window slides in steps of a tenth of it. */
export const BREAKER_BUCKETS = 10;

/**
 * The breaker state machine (docs/decisions-and-breakers.md), pure and clock-injected. The Redis scripts
 * (adapters/redis/lua/*.lua) implement exactly this, atomically and cluster-wide; this class is
 * the reference the unit tests pin down.
 *
 * CLOSED → OPEN when, over the last statWindowMs with at least minRequests outcomes, the error
 * rate ≥ errorRateThreshold or the slow-call rate ≥ slowCallRateThreshold. OPEN for openMs, then
 * HALF_OPEN: at most halfOpenMaxCalls probes pass; halfOpenMaxCalls successful outcomes close it,
 * any failed (or slow) outcome opens it again.
 */
export class BreakerMachine {
  private phase: BreakerPhase = 'CLOSED';
  private openedAt = 0;
  private probes = 0;
  private probeSuccesses = 0;
  private readonly buckets = new Map<number, OutcomeCounts>();

  constructor(private readonly settings: BreakerSettings) {}

  get state(): BreakerPhase {
    return this.phase;
  }

  private get bucketMs(): number {
    return Math.max(1, Math.floor(this.settings.statWindowMs / BREAKER_BUCKETS));
  }

  /** Asks to let one call through at `now`. May move OPEN → HALF_OPEN. */
  gate(now: number, onTransition?: (t: Transition) => void): Gate {
    if (this.phase === 'OPEN') {
      const left = this.openedAt + this.settings.openMs - now;
      if (left > 0) return { pass: false, retryAfterMs: left };
      this.move('HALF_OPEN', now, onTransition);
    }
    if (this.phase === 'HALF_OPEN') {
      if (this.probes >= this.settings.halfOpenMaxCalls)
        return { pass: false, retryAfterMs: this.settings.openMs };
      this.probes++;
      return { pass: true, probe: true };
    }
    return { pass: true, probe: false };
  }

  /** A probe that was let through but then not admitted (rate limited) gives its slot back. */
  returnProbe(): void {
    if (this.phase === 'HALF_OPEN' && this.probes > 0) this.probes--;
  }

  /** Records outcomes reported at `now`; returns the transition they caused, if any. */
  record(now: number, outcomes: OutcomeCounts): Transition | undefined {
    let transition: Transition | undefined;
    const capture = (t: Transition) => (transition = t);
    if (this.phase === 'OPEN') {
      if (now - this.openedAt < this.settings.openMs) return undefined;
      this.move('HALF_OPEN', now, capture);
    }
    if (this.phase === 'HALF_OPEN') {
      if (outcomes.failures > 0 || outcomes.slow > 0) this.move('OPEN', now, capture, outcomes);
      else {
        this.probeSuccesses += outcomes.total;
        if (this.probeSuccesses >= this.settings.halfOpenMaxCalls)
          this.move('CLOSED', now, capture, outcomes);
      }
      return transition;
    }
    const bucket = Math.floor(now / this.bucketMs);
    const current = this.buckets.get(bucket) ?? { total: 0, failures: 0, slow: 0 };
    current.total += outcomes.total;
    current.failures += outcomes.failures;
    current.slow += outcomes.slow;
    this.buckets.set(bucket, current);
    const window = this.windowCounts(bucket);
    if (window.total >= this.settings.minRequests && this.tripped(window))
      this.move('OPEN', now, capture, window);
    return transition;
  }

  /** Outcomes in the buckets that make up the current stat window. */
  windowCounts(bucket: number): OutcomeCounts {
    const sum: OutcomeCounts = { total: 0, failures: 0, slow: 0 };
    for (const [n, counts] of this.buckets) {
      if (n <= bucket - BREAKER_BUCKETS) this.buckets.delete(n);
      else {
        sum.total += counts.total;
        sum.failures += counts.failures;
        sum.slow += counts.slow;
      }
    }
    return sum;
  }

  private tripped(c: OutcomeCounts): boolean {
    return (
      c.failures / c.total >= this.settings.errorRateThreshold ||
      c.slow / c.total >= this.settings.slowCallRateThreshold
    );
  }

  private move(
    to: BreakerPhase,
    now: number,
    onTransition?: (t: Transition) => void,
    counts?: OutcomeCounts,
  ): void {
    const from = this.phase;
    this.phase = to;
    this.probes = 0;
    this.probeSuccesses = 0;
    if (to === 'OPEN') this.openedAt = now;
    if (to !== 'HALF_OPEN') this.buckets.clear();
    const total = counts?.total ?? 0;
    onTransition?.({
      from,
      to,
      figures: {
        total,
        errorRate: total ? (counts?.failures ?? 0) / total : 0,
        slowRate: total ? (counts?.slow ?? 0) / total : 0,
      },
    });
  }
}
