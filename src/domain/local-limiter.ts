/**
 * The in-process limiter used while Redis is unreachable (failMode "open"): a token bucket per
 * scope that enforces this instance's share of the limit (`qps / known instances`). Bounded:
 * when it tracks `maxScopes` scopes it forgets them all (they refill to full, erring on "allow",
 * which is what failMode open asks for).
 */
export class LocalLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly now: () => number,
    private readonly maxScopes = 100_000,
  ) {}

  /**
   * Takes `hits` from the scope's bucket refilled at `qps` up to `capacity`; true if admitted.
   * A scope seen for the first time starts with `startTokens` (default: a full bucket).
   */
  tryTake(
    scope: string,
    qps: number,
    capacity: number,
    hits: number,
    startTokens = capacity,
  ): boolean {
    const now = this.now();
    let bucket = this.buckets.get(scope);
    if (!bucket) {
      if (this.buckets.size >= this.maxScopes) this.buckets.clear();
      bucket = { tokens: Math.min(capacity, startTokens), at: now };
      this.buckets.set(scope, bucket);
    }
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) * qps) / 1000);
    bucket.at = now;
    if (bucket.tokens < hits) return false;
    bucket.tokens -= hits;
    return true;
  }

  /** Whether `hits` could be taken now, without taking them. */
  canTake(scope: string, qps: number, capacity: number, hits: number): boolean {
    const bucket = this.buckets.get(scope);
    if (!bucket) return capacity >= hits;
    return Math.min(capacity, bucket.tokens + ((this.now() - bucket.at) * qps) / 1000) >= hits;
  }

  /** Forgets every scope (the shared counters are back and count again). */
  clear(): void {
    this.buckets.clear();
  }

  get size(): number {
    return this.buckets.size;
  }
}
