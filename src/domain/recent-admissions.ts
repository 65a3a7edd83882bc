/**
 * What this instance admitted through the shared counters, per scope, over the last window: an
 * estimate from two fixed buckets (previous and current) weighted by overlap. When Redis goes
 * away, the local limiter of failMode "open" starts each scope's share from what is left of it
 * rather than from a full bucket, so the fleet stays near the budget in the window of the outage.
 * Bounded like the local limiter: at `maxScopes` it forgets everything (erring on "allow").
 */
export class RecentAdmissions {
  private readonly scopes = new Map<
    string,
    { windowMs: number; start: number; previous: number; current: number }
  >();

  constructor(private readonly maxScopes = 100_000) {}

  record(scope: string, hits: number, windowMs: number, nowMs: number): void {
    let entry = this.scopes.get(scope);
    if (!entry || entry.windowMs !== windowMs) {
      if (!entry && this.scopes.size >= this.maxScopes) this.scopes.clear();
      entry = { windowMs, start: nowMs, previous: 0, current: 0 };
      this.scopes.set(scope, entry);
    }
    this.roll(entry, nowMs);
    entry.current += hits;
  }

  /** Hits admitted in the last window before `nowMs` (an estimate; 0 for an unknown scope). */
  admitted(scope: string, nowMs: number): number {
    const entry = this.scopes.get(scope);
    if (!entry) return 0;
    this.roll(entry, nowMs);
    const overlap = 1 - (nowMs - entry.start) / entry.windowMs;
    return entry.previous * Math.max(0, overlap) + entry.current;
  }

  private roll(
    entry: { windowMs: number; start: number; previous: number; current: number },
    nowMs: number,
  ): void {
    const elapsed = nowMs - entry.start;
    if (elapsed < entry.windowMs) return;
    entry.previous = elapsed < 2 * entry.windowMs ? entry.current : 0;
    entry.current = 0;
    entry.start = nowMs - (elapsed % entry.windowMs);
  }
}
