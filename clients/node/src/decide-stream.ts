import { Metadata, StatusObject, status } from '@grpc/grpc-js';
import type { DecideRequestMessage, StreamAnswer } from './proto.js';
import type { Target } from './targets.js';

/** A decision on its way: sent on a stream (maybe again after a failover), answered once. */
export interface Pending {
  request: DecideRequestMessage;
  session?: DecideStreamSession;
  id?: number;
}

export interface SessionEvents<P extends Pending> {
  answered(session: DecideStreamSession, pending: P, answer: StreamAnswer): void;
  /** The stream ended; `unanswered` were never answered (on a clean server shutdown: never read). */
  ended(session: DecideStreamSession, status: StatusObject, unanswered: P[]): void;
}

/**
 * One DecideStream to one instance. Requests carry an id unique among those unanswered on this
 * stream; answers are matched by it, in whatever order they come.
 */
export class DecideStreamSession<P extends Pending = Pending> {
  ended = false;
  private readonly pending = new Map<number, P>();
  private nextId = 1;
  private readonly call;

  constructor(
    readonly target: Target,
    metadata: Metadata,
    private readonly events: SessionEvents<P>,
  ) {
    this.call = target.stub.DecideStream(metadata);
    this.call.on('data', (answer: StreamAnswer) => {
      if (answer.closing)
        return this.end({
          code: status.UNAVAILABLE,
          details: 'the server is closing the stream',
          metadata: new Metadata(),
        });
      const id = answer.id ?? 0;
      const p = this.pending.get(id);
      if (!p) return; // given up on (deadline) meanwhile
      this.pending.delete(id);
      p.session = undefined;
      this.events.answered(this, p, answer);
    });
    // Every end, error or not, arrives as one status.
    this.call.on('error', () => undefined);
    this.call.on('status', (s: StatusObject) => this.end(s));
  }

  send(p: P): void {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    this.pending.set(id, p);
    p.session = this;
    p.id = id;
    this.call.write({ id, request: p.request });
  }

  /** Stops waiting for `p` (its deadline passed); a late answer is dropped. */
  forget(p: P): void {
    if (p.id !== undefined) this.pending.delete(p.id);
    p.session = undefined;
  }

  get size(): number {
    return this.pending.size;
  }

  close(): void {
    this.call.cancel();
  }

  private end(status: StatusObject): void {
    if (this.ended) return;
    this.ended = true;
    const unanswered = [...this.pending.values()];
    this.pending.clear();
    for (const p of unanswered) p.session = undefined;
    this.events.ended(this, status, unanswered);
  }
}
