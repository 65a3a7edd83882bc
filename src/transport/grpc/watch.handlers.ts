import { ServerWritableStream, UntypedServiceImplementation, status } from '@grpc/grpc-js';
import { validationFailed } from '../../domain/errors';
import { WatchEvent, WatchHub, WatchSink } from '../../services/watch-hub.service';
import { toServiceError } from './grpc-status';

interface RawWatchRequest {
  department?: string;
  grade?: string;
  window?: string;
  from_revision?: number;
}

interface RuleEventMessage {
  type: string;
  kind: string;
  key: string;
  revision: number;
  value_json: string;
  snapshot: boolean;
  resync: boolean;
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
  breaker: e.breaker && {
    from: e.breaker.from,
    to: e.breaker.to,
    total: e.breaker.total,
    error_rate: e.breaker.errorRate,
    slow_rate: e.breaker.slowRate,
    at: e.breaker.at,
  },
});

/** A gRPC stream as a WatchSink: bounded, and able to end itself with a status. */
class StreamSink implements WatchSink {
  /** The last etcd revision written to this watcher: where it should resume. */
  lastRevision: number;
  private ended = false;

  constructor(
    private readonly call: ServerWritableStream<RawWatchRequest, RuleEventMessage>,
    private readonly maxPending: number,
    fromRevision: number,
  ) {
    this.lastRevision = fromRevision;
  }

  send(event: WatchEvent): void {
    if (this.ended) return;
    this.call.write(toMessage(event));
    if (event.type !== 'BREAKER') this.lastRevision = Math.max(this.lastRevision, event.revision);
  }

  /** Messages queued in the stream that the client has not taken yet. */
  backlogged(): boolean {
    return this.call.writableLength >= this.maxPending;
  }

  end(code: status, details: string): void {
    if (this.ended) return;
    this.ended = true;
    this.call.emit('error', { code, details });
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
      const leave = () => gone.abort();
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
