import { status } from '@grpc/grpc-js';
import type { OutcomeMessage } from './proto.js';
import type { TargetPool } from './targets.js';
import type { Outcome } from './types.js';

const TOKEN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const RESOURCE = /^[\x21-\x7e]{1,128}$/;
/** Outcomes per message on the stream (the server takes up to MAX_OUTCOMES, 10,000 by default). */
const BATCH = 500;
/** Outcomes one flush takes: a backlog goes out in a few calls, not one huge one. */
const PER_FLUSH = 5_000;
const CALL_TIMEOUT_MS = 5_000;

/** A fixed-size FIFO: pushing onto a full one drops the oldest, in O(1). */
class Ring<T> {
  private readonly items: (T | undefined)[];
  private head = 0;
  size = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  /** Returns whether the oldest item had to go. */
  push(item: T): boolean {
    const full = this.size === this.capacity;
    this.items[(this.head + this.size) % this.capacity] = item;
    if (full) this.head = (this.head + 1) % this.capacity;
    else this.size++;
    return full;
  }

  take(n: number): T[] {
    const out: T[] = [];
    while (out.length < n && this.size > 0) {
      out.push(this.items[this.head] as T);
      this.items[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.size--;
    }
    return out;
  }
}

/**
 * Outcome reporting for the breakers: report() only queues (bounded: the oldest are dropped and
 * counted while the center is away); a timer sends the queue over StreamOutcomes, in batches, to
 * one target at a time. Outcomes of a call that failed because the instance was unreachable are
 * queued again; a batch the center refuses as malformed is dropped and counted.
 */
export class OutcomeReporter {
  sent = 0;
  dropped = 0;
  private readonly queue: Ring<OutcomeMessage>;
  private readonly timer: NodeJS.Timeout;
  private inFlight?: Promise<void>;

  constructor(
    private readonly pool: TargetPool,
    capacity: number,
    intervalMs: number,
  ) {
    this.queue = new Ring(capacity);
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  get pending(): number {
    return this.queue.size;
  }

  /** A call is sending outcomes now. */
  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  report(o: Outcome): void {
    const resource = o.resource ?? '';
    // One malformed outcome would make the center refuse its whole batch: drop it here instead.
    if (
      !TOKEN.test(o.department) ||
      !TOKEN.test(o.grade) ||
      (resource !== '' && !RESOURCE.test(resource)) ||
      !Number.isFinite(o.latencyMs)
    ) {
      this.dropped++;
      return;
    }
    const latency = Math.min(600_000, Math.max(0, o.latencyMs));
    const message = {
      department: o.department,
      grade: o.grade,
      resource,
      success: o.success,
      latency_ms: latency,
    };
    if (this.queue.push(message)) this.dropped++;
  }

  /** Sends what is queued (one call at a time); resolves when that call ends. */
  flush(): Promise<void> {
    if (this.inFlight || this.queue.size === 0) return this.inFlight ?? Promise.resolve();
    const target = this.pool.pick();
    if (!target) return Promise.resolve();
    const outcomes = this.queue.take(PER_FLUSH);
    this.inFlight = new Promise<void>((resolve) => {
      const call = target.stub.StreamOutcomes(
        this.pool.metadata,
        { deadline: Date.now() + CALL_TIMEOUT_MS },
        (error) => {
          this.inFlight = undefined;
          if (!error) {
            target.markUp();
            this.sent += outcomes.length;
          } else if (
            error.code === status.INVALID_ARGUMENT ||
            error.code === status.PERMISSION_DENIED ||
            error.code === status.UNAUTHENTICATED
          ) {
            this.dropped += outcomes.length;
          } else {
            // Unreachable, shutting down, overloaded: keep them for the next flush (the ring
            // drops the oldest if new ones have filled it meanwhile).
            if (error.code === status.UNAVAILABLE) target.markDown(Date.now());
            for (const o of outcomes) if (this.queue.push(o)) this.dropped++;
          }
          resolve();
        },
      );
      for (let i = 0; i < outcomes.length; i += BATCH)
        call.write({ outcomes: outcomes.slice(i, i + BATCH) });
      call.end();
    });
    return this.inFlight;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
