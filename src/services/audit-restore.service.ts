import { AuditRecord } from '../domain/audit';
import { DomainError } from '../domain/errors';
import { KEYS } from '../domain/keys';
import { RuleId } from '../domain/rule';
import { ConfigStore, StoredEntry } from '../ports/config-store.port';
import { decodeEntry } from '../schema/stored-entry.codec';
import { RuleAdminService } from './rule-admin.service';

export interface RestoreResult {
  /** The audit record that was re-applied. */
  restoredFrom: string;
  key: string;
  action: 'create' | 'replace' | 'delete';
  /** Revision of the write (its own audit record names `restoredFrom`). */
  revision: number;
}

const stamp = (entry: StoredEntry): string => {
  try {
    const value = JSON.parse(entry.value) as { updatedBy?: unknown; updatedAt?: unknown };
    return ` (last changed by ${String(value.updatedBy ?? 'unknown')} at ${String(value.updatedAt ?? '?')})`;
  } catch {
    return '';
  }
};

/**
 * Re-applies an audit record's `before` to its rule or window as a new, audited write: the value
 * it had is put back (created again if it is gone), and a record of a create is undone by a
 * delete. Guarded like any write by If-Match on the key's current revision, where "0" stands for
 * a key that does not exist now, so a restore never overwrites a change its caller has not seen.
 */
export class AuditRestoreService {
  constructor(
    private readonly store: ConfigStore,
    private readonly admin: RuleAdminService,
  ) {}

  async restore(id: string, ifMatch: number | undefined, actor: string): Promise<RestoreResult> {
    const entry = await this.store.get(KEYS.audit(id));
    if (!entry) throw new DomainError('AUDIT_NOT_FOUND', `audit record ${id} does not exist`);
    const record = JSON.parse(entry.value) as AuditRecord;
    const target = targetOf(record.key);
    if (!target) {
      throw new DomainError(
        'AUDIT_NOT_RESTORABLE',
        record.action === 'import'
          ? `audit record ${id} is an import of many keys; restore an export or each key instead`
          : `audit record ${id} changed ${record.key}; only rules and windows are restored (set a breaker's mode on the breakers page)`,
      );
    }
    if (ifMatch === undefined) {
      throw new DomainError(
        'PRECONDITION_REQUIRED',
        `If-Match with the current revision of ${record.key} is required ("0" if it does not exist now)`,
      );
    }
    const current = await this.store.get(record.key);
    const revision = current?.modRevision ?? 0;
    if (revision !== ifMatch) {
      throw new DomainError(
        'REVISION_CONFLICT',
        `${record.key} is now at revision ${revision}${current ? stamp(current) : ' (deleted)'}; If-Match was ${ifMatch}: review it and restore again`,
      );
    }
    const before = record.before === null ? null : JSON.stringify(record.before);
    const result = (action: RestoreResult['action'], rev: number): RestoreResult => ({
      restoredFrom: id,
      key: record.key,
      action,
      revision: rev,
    });
    if (before === null) {
      if (!current)
        throw new DomainError(
          'AUDIT_NOT_RESTORABLE',
          `${record.key} is already absent, as before ${id}`,
        );
      if (target.kind === 'rule') await this.admin.deleteRule(target.id, ifMatch, actor, id);
      else await this.admin.deleteWindow(target.name, ifMatch, actor, id);
      // A delete returns no revision of its own; the store's current one is at or after it.
      return result('delete', await this.store.ping());
    }
    const decoded = decodeEntry(record.key, before, 0);
    if (decoded.kind !== 'change') {
      const problems =
        decoded.kind === 'invalid' ? decoded.problems.join('; ') : 'not a rule or window';
      throw new DomainError(
        'AUDIT_NOT_RESTORABLE',
        `the before of ${id} is not valid now: ${problems}`,
      );
    }
    const change = decoded.change;
    if (change.kind === 'put-rule') {
      const {
        department,
        grade,
        window,
        revision: _r,
        createdAt: _c,
        updatedAt: _u,
        updatedBy: _b,
        ...body
      } = change.rule;
      const ruleId = { department, grade, window };
      const rule = current
        ? await this.admin.replaceRule(ruleId, body, ifMatch, actor, id)
        : await this.admin.createRule(ruleId, body, actor, id);
      return result(current ? 'replace' : 'create', rule.revision);
    }
    if (change.kind === 'put-window') {
      const {
        name,
        revision: _r,
        createdAt: _c,
        updatedAt: _u,
        updatedBy: _b,
        ...spec
      } = change.window;
      const window = current
        ? await this.admin.replaceWindow(name, spec, ifMatch, actor, id)
        : await this.admin.createWindow(name, spec, actor, id);
      return result(current ? 'replace' : 'create', window.revision);
    }
    throw new DomainError('AUDIT_NOT_RESTORABLE', `audit record ${id} holds no rule or window`);
  }
}

type Target = { kind: 'rule'; id: RuleId } | { kind: 'window'; name: string };

function targetOf(key: string): Target | undefined {
  if (key.startsWith(KEYS.rulesPrefix)) {
    const [department, grade, window] = key.slice(KEYS.rulesPrefix.length).split('/');
    if (department && grade && window) return { kind: 'rule', id: { department, grade, window } };
  }
  if (key.startsWith(KEYS.windowsPrefix))
    return { kind: 'window', name: key.slice(KEYS.windowsPrefix.length) };
  return undefined;
}
