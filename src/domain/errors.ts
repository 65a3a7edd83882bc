/**
 * Domain errors carry a stable code; each transport maps codes to its own status once
 * (transport/http/http-exception.filter.ts). Services never throw transport exceptions.
 */
export type DomainErrorCode =
  | 'VALIDATION_FAILED'
  | 'RULE_NOT_FOUND'
  | 'RULE_EXISTS'
  | 'WINDOW_NOT_FOUND'
  | 'WINDOW_EXISTS'
  | 'WINDOW_IN_USE'
  | 'WINDOW_BUILTIN'
  | 'WINDOW_MISSING'
  | 'BREAKER_DISABLED'
  | 'REVISION_CONFLICT'
  | 'PRECONDITION_REQUIRED'
  | 'IMPORT_TOO_LARGE'
  | 'STORE_UNAVAILABLE'
  /** A watcher asked to resume from a revision etcd has not reached. */
  | 'REVISION_AHEAD'
  /** This instance has not applied a revision a watcher already saw elsewhere. */
  | 'NOT_CAUGHT_UP'
  /** More work in flight than this instance takes on at once. */
  | 'OVERLOADED'
  | 'SCHEMA_TOO_NEW'
  | 'SCHEMA_TOO_OLD'
  | 'AUDIT_NOT_FOUND'
  /** The record cannot be re-applied (an import spans many keys; a breaker mode is set on its own page). */
  | 'AUDIT_NOT_RESTORABLE';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Field-level messages, for VALIDATION_FAILED. */
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** At most this many problems are named in one answer; the rest are counted. */
export const MAX_PROBLEMS_LISTED = 20;

/**
 * A request with thousands of bad items must not get an answer thousands of lines long: the
 * first MAX_PROBLEMS_LISTED problems, then "… and N more".
 */
export function validationFailed(details: readonly string[]): DomainError {
  const listed =
    details.length > MAX_PROBLEMS_LISTED
      ? [
          ...details.slice(0, MAX_PROBLEMS_LISTED),
          `… and ${details.length - MAX_PROBLEMS_LISTED} more problems`,
        ]
      : details;
  return new DomainError('VALIDATION_FAILED', listed.join('; '), listed);
}
