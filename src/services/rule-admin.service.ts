import { AuditRecord, newAuditId } from '../domain/audit';
import { DomainError } from '../domain/errors';
import { KEYS } from '../domain/keys';
import { Rule, RuleBody, RuleId, ruleKeyOf } from '../domain/rule';
import { ANY_WINDOW, TimeWindow, TimeWindowSpec } from '../domain/time-window';
import { ConfigStore, KeyGuard, StoredEntry, Write } from '../ports/config-store.port';
import { encodeStored } from '../schema/stored-entry.codec';
import { LiveIndex } from './rule-index.service';

export interface Page<T> {
  items: T[];
  total: number;
  offset: number;
  limit: number;
  revision: number;
}

export interface RuleFilter {
  department?: string;
  grade?: string;
  window?: string;
}

export interface AdminOptions {
  writeVisibilityTimeoutMs: number;
}

const parseStored = (entry: StoredEntry | undefined): Record<string, unknown> | null => {
  if (!entry) return null;
  try {
    return JSON.parse(entry.value) as Record<string, unknown>;
  } catch {
    return { unparsable: entry.value };
  }
};

/** Audit record write that rides in the same transaction as the change it records. */
export function auditWrite(record: Omit<AuditRecord, 'id'>, now: Date): Write {
  const id = newAuditId(now);
  return { key: KEYS.audit(id), value: JSON.stringify({ id, ...record }) };
}

/**
 * Rule and window administration. Reads come from the in-memory index (they keep working while
 * etcd is down); writes are etcd transactions guarded by revisions, each carrying its audit
 * record, and they return once this instance's index shows them.
 */
export class RuleAdminService {
  constructor(
    private readonly store: ConfigStore,
    private readonly live: LiveIndex,
    private readonly options: AdminOptions,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  listRules(filter: RuleFilter, offset: number, limit: number): Page<Rule> {
    const index = this.live.index;
    const all = index
      .rules()
      .filter(
        (r) =>
          (filter.department === undefined || r.department === filter.department) &&
          (filter.grade === undefined || r.grade === filter.grade) &&
          (filter.window === undefined || r.window === filter.window),
      );
    return {
      items: all.slice(offset, offset + limit),
      total: all.length,
      offset,
      limit,
      revision: index.revision,
    };
  }

  getRule(id: RuleId): Rule {
    const rule = this.live.index.rule(ruleKeyOf(id));
    if (!rule) throw new DomainError('RULE_NOT_FOUND', `rule ${ruleKeyOf(id)} does not exist`);
    return rule;
  }

  async createRule(id: RuleId, body: RuleBody, actor: string): Promise<Rule> {
    const key = KEYS.rule(id);
    const now = this.clock();
    const fields = { createdAt: now.toISOString(), updatedAt: now.toISOString(), updatedBy: actor };
    const value = encodeStored(body, fields);
    const revision = await this.commitOrExplain(
      [
        { key, expect: { kind: 'absent' } },
        { key: KEYS.window(id.window), expect: { kind: 'present' } },
      ],
      [
        { key, value },
        auditWrite(
          {
            actor,
            action: 'create',
            key,
            before: null,
            after: JSON.parse(value),
            at: fields.createdAt,
          },
          now,
        ),
      ],
      async () => {
        if (await this.store.get(key))
          return new DomainError(
            'RULE_EXISTS',
            `rule ${ruleKeyOf(id)} already exists; replace it with PUT and If-Match`,
          );
        return this.windowMissing(id.window);
      },
    );
    return { ...id, ...body, revision, ...fields };
  }

  async replaceRule(
    id: RuleId,
    body: RuleBody,
    ifMatch: number | undefined,
    actor: string,
  ): Promise<Rule> {
    const key = KEYS.rule(id);
    const current = await this.requireCurrent(
      key,
      ifMatch,
      true,
      () => `rule ${ruleKeyOf(id)} does not exist`,
      'RULE_NOT_FOUND',
    );
    const before = parseStored(current);
    const now = this.clock();
    const fields = {
      createdAt: typeof before?.createdAt === 'string' ? before.createdAt : now.toISOString(),
      updatedAt: now.toISOString(),
      updatedBy: actor,
    };
    const value = encodeStored(body, fields);
    const revision = await this.commitOrExplain(
      [
        { key, expect: { kind: 'revision', revision: current.modRevision } },
        { key: KEYS.window(id.window), expect: { kind: 'present' } },
      ],
      [
        { key, value },
        auditWrite(
          { actor, action: 'replace', key, before, after: JSON.parse(value), at: fields.updatedAt },
          now,
        ),
      ],
      async () => {
        const latest = await this.store.get(key);
        if (!latest || latest.modRevision !== current.modRevision)
          return this.conflict(key, latest);
        return this.windowMissing(id.window);
      },
    );
    return { ...id, ...body, revision, ...fields };
  }

  async deleteRule(id: RuleId, ifMatch: number | undefined, actor: string): Promise<void> {
    const key = KEYS.rule(id);
    await this.deleteKey(
      key,
      ifMatch,
      actor,
      () => `rule ${ruleKeyOf(id)} does not exist`,
      'RULE_NOT_FOUND',
    );
  }

  listWindows(): TimeWindow[] {
    return this.live.index.windows();
  }

  getWindow(name: string): TimeWindow {
    const window = this.live.index.window(name);
    if (!window) throw new DomainError('WINDOW_NOT_FOUND', `window ${name} does not exist`);
    return window;
  }

  async createWindow(name: string, spec: TimeWindowSpec, actor: string): Promise<TimeWindow> {
    const key = KEYS.window(name);
    const now = this.clock();
    const fields = { createdAt: now.toISOString(), updatedAt: now.toISOString(), updatedBy: actor };
    const value = encodeStored(spec, fields);
    const revision = await this.commitOrExplain(
      [{ key, expect: { kind: 'absent' } }],
      [
        { key, value },
        auditWrite(
          {
            actor,
            action: 'create',
            key,
            before: null,
            after: JSON.parse(value),
            at: fields.createdAt,
          },
          now,
        ),
      ],
      async () =>
        new DomainError(
          'WINDOW_EXISTS',
          `window ${name} already exists; replace it with PUT and If-Match`,
        ),
    );
    return { name, ...spec, revision, ...fields };
  }

  async replaceWindow(
    name: string,
    spec: TimeWindowSpec,
    ifMatch: number | undefined,
    actor: string,
  ): Promise<TimeWindow> {
    this.refuseBuiltin(name, 'replaced');
    const key = KEYS.window(name);
    const current = await this.requireCurrent(
      key,
      ifMatch,
      true,
      () => `window ${name} does not exist`,
      'WINDOW_NOT_FOUND',
    );
    const before = parseStored(current);
    const now = this.clock();
    const fields = {
      createdAt: typeof before?.createdAt === 'string' ? before.createdAt : now.toISOString(),
      updatedAt: now.toISOString(),
      updatedBy: actor,
    };
    const value = encodeStored(spec, fields);
    const revision = await this.commitOrExplain(
      [{ key, expect: { kind: 'revision', revision: current.modRevision } }],
      [
        { key, value },
        auditWrite(
          { actor, action: 'replace', key, before, after: JSON.parse(value), at: fields.updatedAt },
          now,
        ),
      ],
      async () => this.conflict(key, await this.store.get(key)),
    );
    return { name, ...spec, revision, ...fields };
  }

  /**
   * Deletes a window no rule references. The check reads the rules at revision R and the delete
   * commits only if no rule changed since R, so a rule created concurrently cannot be orphaned.
   */
  async deleteWindow(name: string, ifMatch: number | undefined, actor: string): Promise<void> {
    this.refuseBuiltin(name, 'deleted');
    const key = KEYS.window(name);
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.requireCurrent(
        key,
        ifMatch,
        false,
        () => `window ${name} does not exist`,
        'WINDOW_NOT_FOUND',
      );
      const rules = await this.store.list(KEYS.rulesPrefix);
      const users = rules.entries
        .map((e) => e.key.slice(KEYS.rulesPrefix.length))
        .filter((k) => k.endsWith(`/${name}`));
      if (users.length) {
        const shown =
          users.slice(0, 10).join(', ') + (users.length > 10 ? `, … (${users.length} in all)` : '');
        throw new DomainError(
          'WINDOW_IN_USE',
          `window ${name} is used by rule(s) ${shown}; delete or move them first`,
        );
      }
      const now = this.clock();
      const result = await this.store.commit({
        guards: [{ key, expect: { kind: 'revision', revision: current.modRevision } }],
        unchangedPrefixes: [{ prefix: KEYS.rulesPrefix, revision: rules.revision }],
        writes: [
          { key, value: null },
          auditWrite(
            {
              actor,
              action: 'delete',
              key,
              before: parseStored(current),
              after: null,
              at: now.toISOString(),
            },
            now,
          ),
        ],
      });
      if (result.committed) {
        await this.live.waitForRevision(result.revision, this.options.writeVisibilityTimeoutMs);
        return;
      }
      // Either the window changed (conflict on the next pass) or some rule did: check again.
    }
    throw new DomainError(
      'REVISION_CONFLICT',
      `rules kept changing while deleting window ${name}; nothing was deleted, try again`,
    );
  }

  private refuseBuiltin(name: string, verb: string): void {
    if (name === ANY_WINDOW)
      throw new DomainError('WINDOW_BUILTIN', `window "any" is built in and cannot be ${verb}`);
  }

  private async deleteKey(
    key: string,
    ifMatch: number | undefined,
    actor: string,
    missing: () => string,
    missingCode: 'RULE_NOT_FOUND' | 'WINDOW_NOT_FOUND',
  ): Promise<void> {
    const current = await this.requireCurrent(key, ifMatch, false, missing, missingCode);
    const now = this.clock();
    await this.commitOrExplain(
      [{ key, expect: { kind: 'revision', revision: current.modRevision } }],
      [
        { key, value: null },
        auditWrite(
          {
            actor,
            action: 'delete',
            key,
            before: parseStored(current),
            after: null,
            at: now.toISOString(),
          },
          now,
        ),
      ],
      async () => this.conflict(key, await this.store.get(key)),
    );
  }

  /** Reads the current entry and checks If-Match against it before any write is attempted. */
  private async requireCurrent(
    key: string,
    ifMatch: number | undefined,
    ifMatchRequired: boolean,
    missing: () => string,
    missingCode: 'RULE_NOT_FOUND' | 'WINDOW_NOT_FOUND',
  ): Promise<StoredEntry> {
    if (ifMatchRequired && ifMatch === undefined) {
      throw new DomainError(
        'PRECONDITION_REQUIRED',
        'If-Match header with the revision you read (the ETag of GET) is required to replace',
      );
    }
    const current = await this.store.get(key);
    if (!current) throw new DomainError(missingCode, missing());
    if (ifMatch !== undefined && current.modRevision !== ifMatch)
      throw this.conflict(key, current, ifMatch);
    return current;
  }

  private conflict(key: string, latest: StoredEntry | undefined, expected?: number): DomainError {
    if (!latest)
      return new DomainError(
        key.startsWith(KEYS.rulesPrefix) ? 'RULE_NOT_FOUND' : 'WINDOW_NOT_FOUND',
        `${key} was deleted meanwhile`,
      );
    const yours = expected === undefined ? '' : ` (If-Match was ${expected})`;
    return new DomainError(
      'REVISION_CONFLICT',
      `${key} is now at revision ${latest.modRevision}${yours}; read it again and reapply your change`,
    );
  }

  private windowMissing(window: string): DomainError {
    return new DomainError(
      'WINDOW_MISSING',
      `window: "${window}" does not exist; create it first (POST /api/v1/windows)`,
    );
  }

  /** Commits, waits until this instance's index shows the change, and returns its revision. */
  private async commitOrExplain(
    guards: KeyGuard[],
    writes: Write[],
    explain: () => Promise<DomainError>,
  ): Promise<number> {
    const result = await this.store.commit({ guards, writes });
    if (!result.committed) throw await explain();
    await this.live.waitForRevision(result.revision, this.options.writeVisibilityTimeoutMs);
    return result.revision;
  }
}
