import { AuditRecord, auditIdTimePart, newAuditId } from '../domain/audit';
import { KEYS } from '../domain/keys';
import { ConfigStore, Write } from '../ports/config-store.port';
import type { Logger } from '../observability/logger';

/** Audit record write that rides in the same transaction as the change it records. */
export function auditWrite(record: Omit<AuditRecord, 'id'>, now: Date): Write {
  const id = newAuditId(now);
  return { key: KEYS.audit(id), value: JSON.stringify({ id, ...record }) };
}

export interface AuditOptions {
  retentionCount: number;
  retentionDays: number;
  maxTxnOps: number;
}

export interface AuditPage {
  items: AuditRecord[];
  /** Pass as `before` to get the next (older) page; absent on the last page. */
  next?: string;
}

/** Reads audit records (newest first) and enforces retention. Records are written by the services that make changes. */
export class AuditService {
  constructor(
    private readonly store: ConfigStore,
    private readonly options: AuditOptions,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async list(limit: number, before?: string): Promise<AuditPage> {
    const { entries } = await this.store.list(KEYS.auditPrefix, {
      descending: true,
      limit: limit + 1,
      below: before === undefined ? undefined : KEYS.audit(before),
    });
    const items = entries.slice(0, limit).map((e) => JSON.parse(e.value) as AuditRecord);
    return { items, next: entries.length > limit ? items[items.length - 1]?.id : undefined };
  }

  /** Deletes records older than the age limit and beyond the count limit (0 = no limit). */
  async prune(): Promise<number> {
    const doomed: string[] = [];
    if (this.options.retentionDays > 0) {
      const cutoff = new Date(this.clock().getTime() - this.options.retentionDays * 86_400_000);
      const { entries } = await this.store.list(KEYS.auditPrefix, {
        below: KEYS.audit(auditIdTimePart(cutoff)),
        limit: 10_000,
      });
      doomed.push(...entries.map((e) => e.key));
    }
    if (this.options.retentionCount > 0) {
      const { entries } = await this.store.list(KEYS.auditPrefix, { keysOnly: true });
      const excess = entries.length - this.options.retentionCount;
      if (excess > 0) doomed.push(...entries.slice(0, excess).map((e) => e.key));
    }
    const unique = [...new Set(doomed)];
    const chunk = Math.max(1, this.options.maxTxnOps);
    for (let i = 0; i < unique.length; i += chunk) {
      const writes: Write[] = unique.slice(i, i + chunk).map((key) => ({ key, value: null }));
      await this.store.commit({ guards: [], writes });
    }
    if (unique.length)
      this.logger.info({ deleted: unique.length }, 'audit records pruned by retention');
    return unique.length;
  }
}
