import { ServiceDefinition } from '@grpc/grpc-js';
import { Reader } from 'protobufjs';
import { DomainError } from '../../domain/errors';

/** What a shed call's handler receives instead of its request. */
const SHED = Object.freeze({ shed: true as const });

export const isShed = (request: unknown): boolean => request === SHED;

export const shedError = (what: string): DomainError =>
  new DomainError('OVERLOADED', `too many ${what} in flight; retry with backoff`);

/**
 * How many items a message holds in one repeated field, read off the wire without decoding
 * them (each top-level field is skipped by its length): microseconds for a 1,000-item batch.
 */
export function countRepeated(bytes: Buffer, fieldNumber: number): number {
  const reader = Reader.create(bytes);
  let count = 0;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === fieldNumber) count++;
    reader.skipType(tag & 7);
  }
  return count;
}

export interface ShedRule {
  method: string;
  /** The repeated field whose items are the units of work (a batch's requests). */
  itemsField: number;
}

/**
 * Large requests are refused before they are decoded when the service has no room for them: a
 * flood of 1,000-item batches otherwise costs the whole CPU in protobuf decoding and garbage
 * collection even though every one of them is refused. The items are counted on the wire; the
 * handler of a shed call sees `isShed(call.request)` and answers RESOURCE_EXHAUSTED.
 */
export function shedBeforeDecode(
  definition: ServiceDefinition,
  rules: ShedRule[],
  hasRoomFor: (units: number) => boolean,
  /** More items than a call may hold is a bad request, not overload: decoded and refused as such. */
  maxItems: number,
): ServiceDefinition {
  const copy: Record<string, ServiceDefinition[string]> = { ...definition };
  for (const { method, itemsField } of rules) {
    const original = definition[method];
    copy[method] = {
      ...original,
      requestDeserialize: (bytes: Buffer) => {
        let units: number;
        try {
          units = countRepeated(bytes, itemsField);
        } catch {
          units = 0; // not valid protobuf: the real decoder will say so
        }
        const shed = units <= maxItems && !hasRoomFor(Math.max(1, units));
        return shed ? SHED : original.requestDeserialize(bytes);
      },
    };
  }
  return copy as ServiceDefinition;
}
