import { ServiceDefinition } from '@grpc/grpc-js';
import { DomainError } from '../../domain/errors';

/** What a shed call's handler receives instead of its request. */
const SHED = Object.freeze({ shed: true as const });

export const isShed = (request: unknown): boolean => request === SHED;

export const shedError = (what: string): DomainError =>
  new DomainError('OVERLOADED', `too many ${what} in flight; retry with backoff`);

/**
 * Large requests are refused before they are decoded while the service has no room for them: a
 * flood of 1,000-item batches otherwise costs the whole CPU in protobuf decoding and garbage
 * collection even though every one of them is refused (decisions' p99 went from 9 ms to 140 ms).
 * The handler of a shed call sees `isShed(call.request)` and answers RESOURCE_EXHAUSTED.
 */
export function shedBeforeDecode(
  definition: ServiceDefinition,
  methods: string[],
  hasRoom: () => boolean,
): ServiceDefinition {
  const copy: Record<string, ServiceDefinition[string]> = { ...definition };
  for (const method of methods) {
    const original = definition[method];
    copy[method] = {
      ...original,
      requestDeserialize: (bytes: Buffer) =>
        hasRoom() ? original.requestDeserialize(bytes) : SHED,
    };
  }
  return copy as ServiceDefinition;
}
