import { AuditAction } from '../domain/audit';
import { auditWrite } from './audit.service';
import { DomainError } from '../domain/errors';
import { KEYS } from '../domain/keys';
import { Rule, RuleBody, RuleId, ruleKeyOf } from '../domain/rule';
import { ANY_WINDOW, TimeWindow, TimeWindowSpec } from '../domain/time-window';
import { ConfigStore, KeyGuard, StoredEntry, Write } from '../ports/config-store.port';
import { ServerFields, encodeStored } from '../schema/stored-entry.codec';
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

type NotFoundCode = 'RULE_NOT_FOUND' | 'WINDOW_NOT_FOUND';

/** What the generic document operations need to know about one rule or window. */
interface Target {
  key: string;
  /** "rule cs/2023/fall", "window fall": used in messages. */
  label: string;
  notFound: NotFoundCode;
  /** Guards beyond the key's own (a rule needs its window to exist). */
  guards: KeyGuard[];
  /** Why the guards beyond the key's own failed. */
  explainGuards?: () => DomainError;
  /** Keys deleted with it (a rule's breaker override must not outlive it). */
  cascade?: string[];
}

interface Written {
  revision: number;
  fields: ServerFields;
}

const parseStored = (entry: StoredEntry | undefined): Record<string, unknown> | null => {
  if (!entry) return null;
  try {
    return JSON.parse(entry.value) as Record<string, unknown>;
  } catch {
    return { unparsable: entry.value };
  }
};

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
    const items = all.slice(offset, offset + limit);
    return { items, total: all.length, offset, limit, revision: index.revision };
  }

  getRule(id: RuleId): Rule {
    const rule = this.live.index.rule(ruleKeyOf(id));
    if (!rule) throw new DomainError('RULE_NOT_FOUND', `rule ${ruleKeyOf(id)} does not exist`);
    return rule;
  }

  async createRule(
    id: RuleId,
    body: RuleBody,
    actor: string,
    restoredFrom?: string,
  ): Promise<Rule> {
    const { revision, fields } = await this.create(this.ruleTarget(id), body, actor, restoredFrom);
    return { ...id, ...body, revision, ...fields };
  }

  async replaceRule(
    id: RuleId,
    body: RuleBody,
    ifMatch: number | undefined,
    actor: string,
    restoredFrom?: string,
  ): Promise<Rule> {
    const { revision, fields } = await this.replace(
      this.ruleTarget(id),
      body,
      ifMatch,
      actor,
      restoredFrom,
    );
    return { ...id, ...body, revision, ...fields };
  }

  async deleteRule(
    id: RuleId,
    ifMatch: number | undefined,
    actor: string,
    restoredFrom?: string,
  ): Promise<void> {
    await this.remove(this.ruleTarget(id), ifMatch, actor, restoredFrom);
  }

  listWindows(): TimeWindow[] {
    return this.live.index.windows();
  }

  getWindow(name: string): TimeWindow {
    const window = this.live.index.window(name);
    if (!window) throw new DomainError('WINDOW_NOT_FOUND', `window ${name} does not exist`);
    return window;
  }

  async createWindow(
    name: string,
    spec: TimeWindowSpec,
    actor: string,
    restoredFrom?: string,
  ): Promise<TimeWindow> {
    const { revision, fields } = await this.create(
      this.windowTarget(name),
      spec,
      actor,
      restoredFrom,
    );
    return { name, ...spec, revision, ...fields };
  }

  async replaceWindow(
    name: string,
    spec: TimeWindowSpec,
    ifMatch: number | undefined,
    actor: string,
    restoredFrom?: string,
  ): Promise<TimeWindow> {
    this.refuseBuiltin(name, 'replaced');
    const { revision, fields } = await this.replace(
      this.windowTarget(name),
      spec,
      ifMatch,
      actor,
      restoredFrom,
    );
    return { name, ...spec, revision, ...fields };
  }

  /**
   * Deletes a window no rule references. The check reads the rules at revision R and the delete
   * commits only if no rule changed since R, so a rule created concurrently cannot be orphaned.
   */
  async deleteWindow(
    name: string,
    ifMatch: number | undefined,
    actor: string,
    restoredFrom?: string,
  ): Promise<void> {
    this.refuseBuiltin(name, 'deleted');
    const target = this.windowTarget(name);
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.requireCurrent(target, ifMatch);
      const rules = await this.store.list(KEYS.rulesPrefix);
      const users = rules.entries
        .map((e) => e.key.slice(KEYS.rulesPrefix.length))
        .filter((k) => k.endsWith(`/${name}`));
      if (users.length) {
        const more = users.length > 10 ? `, … (${users.length} in all)` : '';
        throw new DomainError(
          'WINDOW_IN_USE',
          `window ${name} is used by rule(s) ${users.slice(0, 10).join(', ')}${more}; delete or move them first`,
        );
      }
      const now = this.clock();
      const result = await this.store.commit({
        guards: [{ key: target.key, expect: { kind: 'revision', revision: current.modRevision } }],
        unchangedPrefixes: [{ prefix: KEYS.rulesPrefix, revision: rules.revision }],
        writes: [
          { key: target.key, value: null },
          this.audit('delete', target.key, current, null, actor, now, restoredFrom),
        ],
      });
      if (result.committed) {
        await this.live.waitForRevision(result.revision, this.options.writeVisibilityTimeoutMs);
        return;
      }
      // The window changed (a conflict on the next pass) or some rule did: check again.
    }
    throw new DomainError(
      'REVISION_CONFLICT',
      `rules kept changing while deleting window ${name}; nothing was deleted, try again`,
    );
  }

  private ruleTarget(id: RuleId): Target {
    return {
      key: KEYS.rule(id),
      label: `rule ${ruleKeyOf(id)}`,
      notFound: 'RULE_NOT_FOUND',
      guards: [{ key: KEYS.window(id.window), expect: { kind: 'present' } }],
      cascade: [KEYS.breaker(id)],
      explainGuards: () =>
        new DomainError(
          'WINDOW_MISSING',
          `window: "${id.window}" does not exist; create it first (POST /api/v1/windows)`,
        ),
    };
  }

  private windowTarget(name: string): Target {
    return {
      key: KEYS.window(name),
      label: `window ${name}`,
      notFound: 'WINDOW_NOT_FOUND',
      guards: [],
    };
  }

  private refuseBuiltin(name: string, verb: string): void {
    if (name === ANY_WINDOW) {
      throw new DomainError('WINDOW_BUILTIN', `window "any" is built in and cannot be ${verb}`);
    }
  }

  private async create(
    target: Target,
    body: RuleBody | TimeWindowSpec,
    actor: string,
    restoredFrom?: string,
  ): Promise<Written> {
    const now = this.clock();
    const fields = { createdAt: now.toISOString(), updatedAt: now.toISOString(), updatedBy: actor };
    const value = encodeStored(body, fields);
    const revision = await this.commit(
      target,
      { kind: 'absent' },
      [
        { key: target.key, value },
        this.audit('create', target.key, undefined, value, actor, now, restoredFrom),
      ],
      async () => {
        if (!(await this.store.get(target.key))) return undefined;
        return new DomainError(
          target.notFound === 'RULE_NOT_FOUND' ? 'RULE_EXISTS' : 'WINDOW_EXISTS',
          `${target.label} already exists; replace it with PUT and If-Match`,
        );
      },
    );
    return { revision, fields };
  }

  private async replace(
    target: Target,
    body: RuleBody | TimeWindowSpec,
    ifMatch: number | undefined,
    actor: string,
    restoredFrom?: string,
  ): Promise<Written> {
    if (ifMatch === undefined) {
      throw new DomainError(
        'PRECONDITION_REQUIRED',
        'If-Match header with the revision you read (the ETag of GET) is required to replace',
      );
    }
    const current = await this.requireCurrent(target, ifMatch);
    const before = parseStored(current);
    const now = this.clock();
    const fields = {
      createdAt: typeof before?.createdAt === 'string' ? before.createdAt : now.toISOString(),
      updatedAt: now.toISOString(),
      updatedBy: actor,
    };
    const value = encodeStored(body, fields);
    const revision = await this.commit(
      target,
      { kind: 'revision', revision: current.modRevision },
      [
        { key: target.key, value },
        this.audit('replace', target.key, current, value, actor, now, restoredFrom),
      ],
      () => this.keyChanged(target, current.modRevision),
    );
    return { revision, fields };
  }

  private async remove(
    target: Target,
    ifMatch: number | undefined,
    actor: string,
    restoredFrom?: string,
  ): Promise<void> {
    const current = await this.requireCurrent(target, ifMatch);
    const now = this.clock();
    await this.commit(
      { ...target, guards: [] },
      { kind: 'revision', revision: current.modRevision },
      [
        { key: target.key, value: null },
        ...(target.cascade ?? []).map((key) => ({ key, value: null })),
        this.audit('delete', target.key, current, null, actor, now, restoredFrom),
      ],
      () => this.keyChanged(target, current.modRevision),
    );
  }

  /** Reads the current entry and checks If-Match against it before any write is attempted. */
  private async requireCurrent(target: Target, ifMatch: number | undefined): Promise<StoredEntry> {
    const current = await this.store.get(target.key);
    if (!current) throw new DomainError(target.notFound, `${target.label} does not exist`);
    if (ifMatch !== undefined && current.modRevision !== ifMatch) {
      throw this.conflict(target, current.modRevision, ` (If-Match was ${ifMatch})`);
    }
    return current;
  }

  /** After a failed commit: a DomainError if the key itself moved on, else undefined. */
  private async keyChanged(target: Target, expected: number): Promise<DomainError | undefined> {
    const latest = await this.store.get(target.key);
    if (!latest) return new DomainError(target.notFound, `${target.label} was deleted meanwhile`);
    return latest.modRevision === expected
      ? undefined
      : this.conflict(target, latest.modRevision, '');
  }

  private conflict(target: Target, revision: number, detail: string): DomainError {
    return new DomainError(
      'REVISION_CONFLICT',
      `${target.label} is now at revision ${revision}${detail}; read it again and reapply your change`,
    );
  }

  private audit(
    action: AuditAction,
    key: string,
    before: StoredEntry | undefined,
    after: string | null,
    actor: string,
    now: Date,
    restoredFrom?: string,
  ): Write {
    const record = {
      actor,
      action,
      key,
      before: parseStored(before),
      after: after === null ? null : (JSON.parse(after) as unknown),
      at: now.toISOString(),
      ...(restoredFrom && { restoredFrom }),
    };
    return auditWrite(record, now);
  }

  /**
   * Commits the write guarded by the key's expectation and the target's own guards, waits until
   * this instance's index shows it, and returns its revision. On failure, `keyProblem` says
   * whether the key itself was the cause; otherwise the target's guards were.
   */
  private async commit(
    target: Target,
    expect: KeyGuard['expect'],
    writes: Write[],
    keyProblem: () => Promise<DomainError | undefined>,
  ): Promise<number> {
    const result = await this.store.commit({
      guards: [{ key: target.key, expect }, ...target.guards],
      writes,
    });
    if (!result.committed) {
      throw (
        (await keyProblem()) ??
        target.explainGuards?.() ??
        new DomainError('REVISION_CONFLICT', `${target.label} changed meanwhile; try again`)
      );
    }
    await this.live.waitForRevision(result.revision, this.options.writeVisibilityTimeoutMs);
    return result.revision;
  }
}
