import { Metadata, UntypedServiceImplementation, status } from '@grpc/grpc-js';
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Optional shared token for gRPC callers (GRPC_TOKEN): every call must carry metadata
 * `authorization: Bearer <token>`, or it ends with UNAUTHENTICATED before any work is done.
 * Compared by digest in constant time. Without a token configured, handlers are returned as they are.
 */
export function requireCallerToken(
  handlers: UntypedServiceImplementation,
  token: string | undefined,
): UntypedServiceImplementation {
  if (!token) return handlers;
  const expected = digest(token);
  const allowed = (metadata: Metadata): boolean => {
    const header = String(metadata.get('authorization')[0] ?? '');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match !== null && timingSafeEqual(digest(match[1]), expected);
  };
  const guarded: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(handlers)) {
    guarded[name] = ((
      call: { metadata: Metadata; emit(event: string, e: unknown): void },
      callback?: (e: unknown) => void,
    ) => {
      if (allowed(call.metadata))
        return (handler as (c: unknown, cb?: unknown) => void)(call, callback);
      const error = {
        code: status.UNAUTHENTICATED,
        details:
          'missing or wrong gRPC caller token: send metadata "authorization: Bearer <GRPC_TOKEN>"',
      };
      if (callback) callback(error);
      else call.emit('error', error);
    }) as UntypedServiceImplementation[string];
  }
  return guarded;
}
