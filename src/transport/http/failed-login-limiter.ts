export interface FailedLoginLimiterOptions {
  /** Failures an address group may have per minute; also the burst it starts with. */
  perMinute: number;
  /** Address groups remembered at once; past it the least recently failed one is forgotten. */
  maxTracked: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Counts failed logins per address group in a token bucket (perMinute failures, refilled
 * continuously). Only failures are counted and limited: the guard never asks it about a request
 * that carries a right token. Memory is bounded by an LRU: the Map keeps insertion order and a
 * failure re-inserts its group, so the first key is always the group that failed least recently —
 * which, a minute after its last failure, has refilled and carries no information anyway.
 */
export class FailedLoginLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    private readonly now: () => number,
    private readonly options: FailedLoginLimiterOptions,
  ) {
    this.perMs = options.perMinute / 60_000;
  }

  private refilled(bucket: Bucket, now: number): number {
    return Math.min(this.options.perMinute, bucket.tokens + (now - bucket.at) * this.perMs);
  }

  /**
   * Records one failure of `group`. Returns 0 when it was within the budget, or how many
   * milliseconds until the group may fail again when it was over (the failure is then not counted:
   * a blocked group keeps getting one failure back every 60/perMinute seconds, no more).
   */
  fail(group: string): number {
    const now = this.now();
    const bucket = this.buckets.get(group);
    const tokens = bucket ? this.refilled(bucket, now) : this.options.perMinute;
    if (tokens < 1) return Math.ceil((1 - tokens) / this.perMs);
    this.buckets.delete(group);
    this.buckets.set(group, { tokens: tokens - 1, at: now });
    if (this.buckets.size > this.options.maxTracked) {
      const oldest = this.buckets.keys().next().value as string;
      this.buckets.delete(oldest);
    }
    return 0;
  }

  /** Whether the group's next failure would be refused. */
  blocked(group: string): boolean {
    const bucket = this.buckets.get(group);
    return bucket !== undefined && this.refilled(bucket, this.now()) < 1;
  }

  get size(): number {
    return this.buckets.size;
  }
}
