import { ServerDuplexStream, UntypedServiceImplementation, status } from '@grpc/grpc-js';
import { RawDecideRequest } from '../../domain/decide-request';
import { DomainError } from '../../domain/errors';
import { DecisionService } from '../../services/decision.service';
import { DecideResponseMessage, toMessage } from './decision.handlers';
import { toServiceError } from './grpc-status';

interface StreamRequest {
  id?: number;
  request?: RawDecideRequest | null;
}

interface StreamAnswer {
  id: number;
  decision?: DecideResponseMessage;
  error?: { code: number; message: string };
  closing?: boolean;
}

type Call = ServerDuplexStream<StreamRequest, StreamAnswer>;

/**
 * One DecideStream call. Reading pauses while `max` requests are unanswered (being decided, or
 * answered but not yet taken by HTTP/2), so a client that sends faster than the instance decides,
 * or does not read its answers, is held back by flow control and the stream's memory stays
 * bounded. Every request read is answered before the stream ends.
 */
class DecideStreamCall {
  /** Read and not yet answered. */
  private pending = 0;
  private halfClosed = false;
  private closing?: { code: status; details: string };
  private done = false;

  constructor(
    private readonly call: Call,
    private readonly decisions: DecisionService,
    private readonly max: number,
    private readonly onDone: (self: DecideStreamCall) => void,
  ) {
    call.on('data', (message: StreamRequest) => this.read(message));
    call.on('end', () => {
      this.halfClosed = true;
      this.maybeFinish();
    });
    call.on('drain', () => this.maybeResume());
    call.on('cancelled', () => this.finish());
  }

  /** Stops reading, answers what was read, then ends the stream with this status. */
  close(code: status, details: string): void {
    this.closing = { code, details };
    this.call.pause();
    this.maybeFinish();
  }

  private read(message: StreamRequest): void {
    const id = message.id ?? 0;
    this.pending++;
    if (this.pending + this.call.writableLength >= this.max) this.call.pause();
    this.decisions.decideStreamed(message.request ?? {}).then(
      (d) => this.answer({ id, decision: toMessage(d, this.decisions.instanceCount) }),
      (error: unknown) => this.refuse(id, error),
    );
  }

  /** A domain error (bad request, overload) is this request's answer; anything else ends the stream. */
  private refuse(id: number, error: unknown): void {
    const mapped = toServiceError(error);
    if (error instanceof DomainError)
      return this.answer({
        id,
        error: { code: mapped.code ?? status.INTERNAL, message: mapped.details ?? '' },
      });
    this.pending--;
    if (this.done) return;
    // Logged once, with a request id, by logUnexpectedErrors (grpc-error-log.ts).
    this.finish();
    this.call.emit('error', mapped);
  }

  private answer(message: StreamAnswer): void {
    this.pending--;
    if (this.done) return;
    this.call.write(message);
    this.maybeResume();
    this.maybeFinish();
  }

  private maybeResume(): void {
    if (this.done || this.closing || !this.call.isPaused()) return;
    if (this.pending + this.call.writableLength < this.max) this.call.resume();
  }

  private maybeFinish(): void {
    if (this.done || this.pending > 0) return;
    if (this.closing) {
      const closing = this.closing;
      this.finish();
      // The status (trailers) can reach the client tens of ms after the answers while the process
      // shuts down; a last message says at once that nothing more will be answered here.
      this.call.write({ id: 0, closing: true });
      this.call.emit('error', closing);
    } else if (this.halfClosed) {
      this.finish();
      this.call.end();
    }
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.onDone(this);
  }
}

export interface DecideStreamOptions {
  /** Unanswered requests one stream may have before the server stops reading it. */
  maxInFlight: number;
}

/** DecideStream of rulecenter.v1.DecisionService. `stopAll` ends every stream (shutdown). */
export function decideStreamHandlers(
  decisions: DecisionService,
  options: DecideStreamOptions,
): { handlers: UntypedServiceImplementation; stopAll(): void } {
  const open = new Set<DecideStreamCall>();
  let stopping = false;
  const shutdown = {
    code: status.UNAVAILABLE,
    details: 'server shutting down; send requests that got no answer to another instance',
  };
  return {
    handlers: {
      DecideStream(call: Call) {
        if (stopping) return call.emit('error', shutdown);
        open.add(new DecideStreamCall(call, decisions, options.maxInFlight, (s) => open.delete(s)));
      },
    },
    stopAll() {
      stopping = true;
      for (const s of [...open]) s.close(shutdown.code, shutdown.details);
    },
  };
}
