import { DomainError } from './errors';

/**
 * Counts units of work (decisions, batch items, reported outcomes) being worked on at once and
 * refuses more than `max` with OVERLOADED, so a flood of large calls is answered at once instead
 * of piling up in memory until every call is slow. Calls of several units (batches) may use only
 * three quarters of `max`: a flood of batches cannot starve single decisions.
 */
export class InFlight {
  private current = 0;

  constructor(
    private readonly max: number,
    private readonly what: string,
  ) {}

  /** Runs `work` holding `units`, or throws OVERLOADED without running it. */
  async run<T>(units: number, work: () => Promise<T>): Promise<T> {
    this.acquire(units);
    try {
      return await work();
    } finally {
      this.release(units);
    }
  }

  /** Takes `units` for work that ends later (give them back with `release`), or throws OVERLOADED. */
  acquire(units: number): void {
    if (this.current + units > this.limitFor(units)) {
      throw new DomainError(
        'OVERLOADED',
        `too many ${this.what} in flight (${this.current} of at most ${this.max}); retry with backoff`,
      );
    }
    this.current += units;
  }

  release(units: number): void {
    this.current -= units;
  }

  /** Whether a call of `units` could start now (checked before decoding one). */
  hasRoomFor(units: number): boolean {
    return this.current + units <= this.limitFor(units);
  }

  private limitFor(units: number): number {
    return units > 1 ? Math.floor(this.max * 0.75) : this.max;
  }

  get count(): number {
    return this.current;
  }
}
