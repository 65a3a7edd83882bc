import { ServerWritableStream, UntypedServiceImplementation, status } from '@grpc/grpc-js';
import { validationFailed } from '../../domain/errors';
import { WatchEvent, WatchHub, WatchSink } from '../../services/watch-hub';
import { toServiceError } from './grpc-status';

interface RawWatchRequest {
  department?: string;
  grade?: string;
  window?: string;
  from_revision?: number;
}

/** rulecenter.v1.RuleEvent as proto-loader encodes it (keepCase). */
export interface RuleEventMessage {
  type: string;
  kind: string;
  key: string;
  revision: number;
  value_json: string;
  snapshot: boolean;
  resync: boolean;
  revision_complete: boolean;
  breaker?: {
    from: string;
    to: string;
    total: number;
    error_rate: number;
    slow_rate: number;
    at: string;
  };
}

const toMessage = (e: WatchEvent): RuleEventMessage => ({
  type: e.type,
  kind: e.kind,
  key: e.key,
  revision: e.revision,
  value_json: e.valueJson,
  snapshot: e.snapshot,
  resync: e.resync,
  revision_complete: e.revisionComplete,
  breaker: e.breaker && {
    from: e.breaker.from,
    to: e.breaker.to,
    total: e.breaker.total,
    error_rate: e.breaker.errorRate,
    slow_rate: e.breaker.slowRate,
    at: e.breaker.at,
  },
});

const CLIENT_LEFT = Object.freeze({ reason: 'the client left' });

/** Messages handed to grpc-js at a time; the rest wait in the sink until the client reads. */
const WRITE_AHEAD = 16;

/**
 * A gRPC stream as a WatchSink: events go out in order as fast as the client reads (write-ahead
 * of WRITE_AHEAD messages), a lazy snapshot is only turned into messages as they are taken, and
 * the sink can end the stream with a status.
 */
class StreamSink implements WatchSink {
  /** The last etcd revision written to this watcher: where it should resume. */
  lastRevision: number;
  private ended = false;
  private readonly sources: { events: Iterator<WatchEvent>; counted: number }[] = [];
  /** Counted events queued here, not yet handed to the stream. */
  private queued = 0;

  constructor(
    private readonly call: ServerWritableStream<RawWatchRequest, RuleEventMessage>,
    private readonly maxPending: number,
    fromRevision: number,
  ) {
    this.lastRevision = fromRevision;
    call.on('drain', () => this.pump());
  }

  send(events: Iterable<WatchEvent>, counted: number): void {
    if (this.ended) return;
    this.sources.push({ events: events[Symbol.iterator](), counted });
    this.queued += counted;
    this.pump();
  }

  /** Events waiting here or in the stream that the client has not taken yet. */
  backlogged(): boolean {
    return this.queued + this.call.writableLength >= this.maxPending;
  }

  end(code: status, details: string): void {
    if (this.ended) return;
    this.ended = true;
    this.sources.length = 0;
    this.call.emit('error', { code, details });
  }

  private pump(): void {
    while (!this.ended && this.sources.length && this.call.writableLength < WRITE_AHEAD) {
      const source = this.sources[0];
      const next = source.events.next();
      if (next.done) {
        this.sources.shift();
        continue;
      }
      if (source.counted > 0) {
        source.counted--;
        this.queued--;
      }
      const event = next.value;
      this.call.write(toMessage(event));
      // Where a resume misses nothing: a revision counts once all its events went out (a snapshot
      // once its end marker did).
      if (event.revisionComplete) this.lastRevision = Math.max(this.lastRevision, event.revision);
    }
  }
}

export interface WatchHandlerOptions {
  /** Events a watcher may have queued before it is cut off with RESOURCE_EXHAUSTED. */
  maxPending: number;
}

/** rulecenter.v1.RuleWatchService. `stopAll` ends every stream with UNAVAILABLE (shutdown). */
export function watchHandlers(
  hub: WatchHub,
  options: WatchHandlerOptions,
): { handlers: UntypedServiceImplementation; stopAll(): void } {
  const handlers: UntypedServiceImplementation = {
    WatchRules(call: ServerWritableStream<RawWatchRequest, RuleEventMessage>) {
      const request = call.request;
      const from = Number(request.from_revision ?? 0);
      let filter;
      try {
        filter = WatchHub.parseFilter(request);
        if (!Number.isSafeInteger(from) || from < 0)
          throw validationFailed([
            `from_revision must be 0 or a positive revision; got ${request.from_revision}`,
          ]);
      } catch (error) {
        const e = toServiceError(error);
        call.emit('error', e);
        return;
      }
      const sink = new StreamSink(call, options.maxPending, from);
      const overflow = () =>
        sink.end(
          status.RESOURCE_EXHAUSTED,
          `watcher too slow: more than ${options.maxPending} events were waiting; reconnect with from_revision=${sink.lastRevision} to resume`,
        );
      // Listen for the client leaving before anything is awaited, so no subscription outlives it.
      const gone = new AbortController();
      // A given reason: abort() would otherwise build a DOMException (a stack) per stream.
      const leave = () => gone.abort(CLIENT_LEFT);
      call.on('cancelled', leave);
      call.on('close', leave);
      call.on('finish', leave);
      hub.subscribe(filter, from, sink, overflow, gone.signal).catch((error: unknown) => {
        const e = toServiceError(error);
        sink.end(e.code ?? status.INTERNAL, e.details ?? 'watch failed');
      });
    },
  };
  return {
    handlers,
    stopAll: () =>
      hub.closeAll((sink) => {
        const s = sink as StreamSink;
        s.end(
          status.UNAVAILABLE,
          `server shutting down; reconnect (to another instance) with from_revision=${s.lastRevision}`,
        );
      }),
  };
}
