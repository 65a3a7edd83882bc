/**
 * Starts work that arrives within `windowMs` of the first waiting item together, in one
 * synchronous loop. Decisions of one rule asked in one event-loop turn share one Redis script
 * call (the counter store's batcher), so a window turns a trickle of stream requests into fewer,
 * larger calls, for at most `windowMs` of added latency. With a window of 0 every item starts at
 * once: those read in the same turn still share a round trip, with no wait at all.
 */
export class Coalescer<T, R> {
  private waiting: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly windowMs: number,
    private readonly start: (item: T) => Promise<R>,
  ) {}

  submit(item: T): Promise<R> {
    if (this.windowMs <= 0) return this.start(item);
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.timer = undefined;
    for (const { item, resolve, reject } of batch) this.start(item).then(resolve, reject);
  }
}
