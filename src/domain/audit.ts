import { randomBytes } from 'node:crypto';

export type AuditAction = 'create' | 'replace' | 'delete' | 'import';

export interface AuditRecord {
  id: string;
  actor: string;
  action: AuditAction;
  key: string;
  before: unknown;
  after: unknown;
  at: string;
  /** Set when the change re-applied the `before` of that audit record (POST /audit/{id}/restore). */
  restoredFrom?: string;
}

/**
 * Time-ordered, unique audit ids: ISO basic UTC time (sorts as text) plus random bits, so two
 * instances writing in the same millisecond never collide.
 */
export function newAuditId(now: Date): string {
  return `${auditIdTimePart(now)}-${randomBytes(5).toString('hex')}`;
}

/** The prefix every audit id of an instant starts with; ids below it are older. */
export function auditIdTimePart(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '');
}
