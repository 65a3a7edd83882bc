import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { DomainError, DomainErrorCode } from '../../domain/errors';

const CODES: Record<DomainErrorCode, status> = {
  VALIDATION_FAILED: status.INVALID_ARGUMENT,
  WINDOW_MISSING: status.INVALID_ARGUMENT,
  IMPORT_TOO_LARGE: status.INVALID_ARGUMENT,
  RULE_NOT_FOUND: status.NOT_FOUND,
  WINDOW_NOT_FOUND: status.NOT_FOUND,
  RULE_EXISTS: status.ALREADY_EXISTS,
  WINDOW_EXISTS: status.ALREADY_EXISTS,
  WINDOW_IN_USE: status.FAILED_PRECONDITION,
  WINDOW_BUILTIN: status.FAILED_PRECONDITION,
  BREAKER_DISABLED: status.FAILED_PRECONDITION,
  REVISION_CONFLICT: status.ABORTED,
  PRECONDITION_REQUIRED: status.FAILED_PRECONDITION,
  STORE_UNAVAILABLE: status.UNAVAILABLE,
  REVISION_AHEAD: status.OUT_OF_RANGE,
  NOT_CAUGHT_UP: status.UNAVAILABLE,
  OVERLOADED: status.RESOURCE_EXHAUSTED,
  SCHEMA_TOO_NEW: status.UNAVAILABLE,
  SCHEMA_TOO_OLD: status.UNAVAILABLE,
  AUDIT_NOT_FOUND: status.NOT_FOUND,
  AUDIT_NOT_RESTORABLE: status.FAILED_PRECONDITION,
};

/** Where an INTERNAL status keeps the error behind it, for the one log line (grpc-error-log.ts). */
export const UNEXPECTED = Symbol('unexpected error');

export type MappedError = Partial<ServiceError> & { [UNEXPECTED]?: unknown };

/** The one place gRPC status codes are chosen. A bare error would reach clients as UNKNOWN. */
export function toServiceError(error: unknown): MappedError {
  if (error instanceof DomainError) {
    return { code: CODES[error.code], details: error.message, metadata: new Metadata() };
  }
  const mapped: MappedError = {
    code: status.INTERNAL,
    details: 'unexpected error; see the service log',
    metadata: new Metadata(),
  };
  Object.defineProperty(mapped, UNEXPECTED, { value: error, enumerable: false });
  return mapped;
}
