import { Metadata, UntypedServiceImplementation } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../observability/logger';
import { MappedError, UNEXPECTED } from './grpc-status';

/** A caller's request id (metadata `x-request-id`), if it is a sane one, else a new one. */
function requestIdOf(metadata: Metadata | undefined): string {
  const given = String(metadata?.get('x-request-id')[0] ?? '');
  return /^[A-Za-z0-9._:-]{1,64}$/.test(given) ? given : randomUUID();
}

interface AnyCall {
  metadata?: Metadata;
  emit(event: string, ...args: unknown[]): boolean;
}

/**
 * Every unexpected error a handler answers INTERNAL with is logged here, once, with the method
 * and a request id (also sent to the client in the status details and trailers) — never the
 * caller's metadata, which carries its token. Wraps both the unary/client-stream callback and a
 * server stream's `emit('error')`.
 */
export function logUnexpectedErrors(
  handlers: UntypedServiceImplementation,
  service: string,
  logger: Logger,
): UntypedServiceImplementation {
  const wrapped: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(handlers)) {
    const method = `${service}/${name}`;
    const report = (call: AnyCall, error: MappedError): MappedError => {
      if (!error || !(UNEXPECTED in error)) return error;
      const requestId = requestIdOf(call.metadata);
      const cause = error[UNEXPECTED];
      logger.error(
        {
          method,
          requestId,
          err: cause instanceof Error ? { message: cause.message, stack: cause.stack } : cause,
        },
        'unexpected error answering a gRPC call',
      );
      const metadata = error.metadata ?? new Metadata();
      metadata.set('x-request-id', requestId);
      return {
        ...error,
        metadata,
        details: `unexpected error (request id ${requestId}); see the service log`,
      };
    };
    wrapped[name] = ((call: AnyCall, callback?: (error: unknown, value?: unknown) => void) => {
      if (callback) {
        return (handler as (c: unknown, cb: unknown) => void)(
          call,
          (error: unknown, value?: unknown) =>
            callback(error ? report(call, error as MappedError) : error, value),
        );
      }
      const emit = call.emit.bind(call);
      call.emit = (event: string, ...args: unknown[]) =>
        event === 'error'
          ? emit(event, report(call, args[0] as MappedError))
          : emit(event, ...args);
      return (handler as (c: unknown) => void)(call);
    }) as UntypedServiceImplementation[string];
  }
  return wrapped;
}
