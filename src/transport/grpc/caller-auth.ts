import { Metadata, UntypedServiceImplementation, status } from '@grpc/grpc-js';
import { createHash } from 'node:crypto';
import type { GrpcCaller, GrpcScope } from '../../config/app-config';

const digest = (value: string): string => createHash('sha256').update(value).digest('hex');

type AnyHandler = (
  call: { metadata: Metadata; emit(event: string, e: unknown): void },
  callback?: (e: unknown) => void,
) => void;

/** Wraps every method of a handler group so it runs only for callers holding `scope`. */
export type CallerGuard = (
  scope: GrpcScope,
  handlers: UntypedServiceImplementation,
) => UntypedServiceImplementation;

/**
 * gRPC caller credentials (GRPC_TOKENS, GRPC_TOKEN): each call must carry metadata
 * `authorization: Bearer <token>` of a caller whose scopes include the method's scope, or it ends
 * before any work is done — UNAUTHENTICATED for a missing or unknown token, PERMISSION_DENIED for
 * a known one without the scope. Tokens are looked up by SHA-256 digest, so the secret is never
 * compared byte by byte. With no callers configured, handlers are returned as they are (the
 * configuration refuses that beyond loopback unless mTLS or GRPC_ALLOW_INSECURE says otherwise).
 */
export function callerGuard(callers: readonly GrpcCaller[]): CallerGuard {
  if (callers.length === 0) return (_scope, handlers) => handlers;
  const byDigest = new Map(callers.map((c) => [digest(c.token), c]));
  const refusal = (metadata: Metadata, scope: GrpcScope) => {
    const header = String(metadata.get('authorization')[0] ?? '');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const caller = match ? byDigest.get(digest(match[1])) : undefined;
    if (!caller)
      return {
        code: status.UNAUTHENTICATED,
        details: `${match ? 'unknown' : 'missing'} gRPC caller token: send metadata "authorization: Bearer <token>"`,
      };
    if (!caller.scopes.includes(scope))
      return {
        code: status.PERMISSION_DENIED,
        details: `caller ${caller.name} lacks scope "${scope}" (it has ${caller.scopes.join(', ')})`,
      };
    return undefined;
  };
  return (scope, handlers) => {
    const guarded: UntypedServiceImplementation = {};
    for (const [name, handler] of Object.entries(handlers)) {
      guarded[name] = ((call, callback) => {
        const error = refusal(call.metadata, scope);
        if (!error) return (handler as AnyHandler)(call, callback);
        if (callback) callback(error);
        else call.emit('error', error);
      }) as AnyHandler as UntypedServiceImplementation[string];
    }
    return guarded;
  };
}
