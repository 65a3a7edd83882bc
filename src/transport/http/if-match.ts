import { DomainError } from '../../domain/errors';

/** Parses `If-Match: "42"` (also W/"42" or 42) into an etcd revision; absent → undefined. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(header);
  if (!m)
    throw new DomainError(
      'VALIDATION_FAILED',
      `If-Match must be a revision such as "42" (the ETag of GET); got ${header}`,
      [`If-Match must be a revision such as "42" (the ETag of GET); got ${header}`],
    );
  return Number(m[1]);
}

export const etagOf = (revision: number): string => `"${revision}"`;
