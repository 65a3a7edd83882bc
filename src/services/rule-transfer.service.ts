import { isDeepStrictEqual } from 'node:util';
import { DomainError, validationFailed } from '../domain/errors';
import { KEYS } from '../domain/keys';
import { RuleBody, RuleId, ruleKeyOf } from '../domain/rule';
import { ANY_WINDOW, TimeWindowSpec } from '../domain/time-window';
import { ConfigStore, KeyGuard, StoredEntry, Write } from '../ports/config-store.port';
import { encodeStored } from '../schema/stored-entry.codec';
import { auditWrite } from './audit.service';
import { LiveIndex } from './rule-index.service';

export type ImportedRule = RuleId & RuleBody;
export type ImportedWindow = { name: string } & TimeWindowSpec;

export interface ExportDocument {
  format: 'rulecenter/v1';
  exportedAt: string;
  revision: number;
  windows: ImportedWindow[];
  rules: ImportedRule[];
}

export interface ImportReport {
  dryRun: boolean;
  /** Revision the plan was computed at; after a real import, the revision that holds it. */
  revision: number;
  created: string[];
  updated: string[];
  unchanged: string[];
  skipped: string[];
}

const RULE_BODY_KEYS: (keyof RuleBody)[] = [
  'limit',
  'onExceed',
  'coreResources',
  'breaker',
  'failMode',
  'enabled',
  'shadow',
  'priority',
  'description',
];
const WINDOW_KEYS: (keyof TimeWindowSpec)[] = [
  'timezone',
  'dateRanges',
  'daysOfWeek',
  'timeRanges',
  'priority',
  'description',
];

const pick = <T extends object, K extends keyof T>(source: T, keys: K[]): Pick<T, K> => {
  const out = {} as Pick<T, K>;
  for (const k of keys) out[k] = source[k];
  return out;
};

export interface TransferOptions {
  /** etcd's --max-txn-ops: one import is one transaction, audit record included. */
  maxTxnOps: number;
  writeVisibilityTimeoutMs: number;
}

/**
 * Export and import of the whole rule set (`onlyMissing` leaves existing keys alone; the seed uses it). Import merges (creates and replaces, never deletes)
 * in one etcd transaction: all or nothing, committed only if no rule or window changed since
 * the plan was made. `any` is built in and never exported or imported.
 */
export class RuleTransferService {
  constructor(
    private readonly store: ConfigStore,
    private readonly live: LiveIndex,
    private readonly options: TransferOptions,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  exportAll(): ExportDocument {
    const index = this.live.index;
    return {
      format: 'rulecenter/v1',
      exportedAt: this.clock().toISOString(),
      revision: index.revision,
      windows: index
        .windows()
        .filter((w) => w.name !== ANY_WINDOW)
        .map((w) => ({ name: w.name, ...pick(w, WINDOW_KEYS) })),
      rules: index.rules().map((r) => ({
        department: r.department,
        grade: r.grade,
        window: r.window,
        ...pick(r, RULE_BODY_KEYS),
      })),
    };
  }

  async importAll(
    windows: ImportedWindow[],
    rules: ImportedRule[],
    actor: string,
    { dryRun = false, onlyMissing = false }: { dryRun?: boolean; onlyMissing?: boolean } = {},
  ): Promise<ImportReport> {
    this.checkShape(windows, rules);
    const currentRules = await this.store.list(KEYS.rulesPrefix);
    const currentWindows = await this.store.list(KEYS.windowsPrefix, {
      atRevision: currentRules.revision,
    });
    const report: ImportReport = {
      dryRun,
      revision: currentRules.revision,
      created: [],
      updated: [],
      unchanged: [],
      skipped: [],
    };
    const existingWindowNames = new Set(
      currentWindows.entries.map((e) => e.key.slice(KEYS.windowsPrefix.length)),
    );
    const importedWindowNames = new Set(windows.map((w) => w.name));
    const missing = rules.filter(
      (r) => !existingWindowNames.has(r.window) && !importedWindowNames.has(r.window),
    );
    if (missing.length) {
      throw validationFailed(
        missing.map(
          (r) =>
            `rules: ${ruleKeyOf(r)} references window "${r.window}", which neither exists nor is imported`,
        ),
      );
    }

    const now = this.clock();
    const at = now.toISOString();
    const writes: Write[] = [];
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    const plan = (key: string, current: StoredEntry | undefined, next: object): void => {
      if (current && onlyMissing) {
        report.skipped.push(`${key} (exists)`);
        return;
      }
      const old = current ? (JSON.parse(current.value) as Record<string, unknown>) : undefined;
      if (old && isDeepStrictEqual(pick(old, Object.keys(next)), { ...next })) {
        report.unchanged.push(key);
        return;
      }
      const fields = {
        createdAt: typeof old?.createdAt === 'string' ? old.createdAt : at,
        updatedAt: at,
        updatedBy: actor,
      };
      const value = encodeStored(next as RuleBody, fields);
      (old ? report.updated : report.created).push(key);
      before[key] = old ?? null;
      after[key] = JSON.parse(value);
      writes.push({ key, value });
    };
    const byKey = (entries: StoredEntry[]) => new Map(entries.map((e) => [e.key, e]));
    const windowEntries = byKey(currentWindows.entries);
    for (const w of windows) {
      if (w.name === ANY_WINDOW) {
        report.skipped.push(`${KEYS.window(ANY_WINDOW)} (built in)`);
        continue;
      }
      const key = KEYS.window(w.name);
      plan(key, windowEntries.get(key), pick(w, WINDOW_KEYS));
    }
    const ruleEntries = byKey(currentRules.entries);
    for (const r of rules) {
      const key = KEYS.rule(r);
      plan(key, ruleEntries.get(key), pick(r, RULE_BODY_KEYS));
    }
    if (dryRun || writes.length === 0) return report;

    writes.push(auditWrite({ actor, action: 'import', key: '(import)', before, after, at }, now));
    const guards = this.guardsFor(writes, rules, windowEntries, ruleEntries);
    if (guards.length + 2 > this.options.maxTxnOps) {
      throw new DomainError(
        'IMPORT_TOO_LARGE',
        `this import must check ${guards.length} keys and windows in one etcd transaction; at most ${this.options.maxTxnOps - 2} fit (ETCD_MAX_TXN_OPS=${this.options.maxTxnOps}); split it`,
      );
    }
    const result = await this.store.commit({
      guards,
      // Nothing created or changed under the prefixes since the plan (unchanged entries included).
      unchangedPrefixes: [
        { prefix: KEYS.rulesPrefix, revision: currentRules.revision },
        { prefix: KEYS.windowsPrefix, revision: currentRules.revision },
      ],
      writes,
    });
    if (!result.committed) {
      throw new DomainError(
        'REVISION_CONFLICT',
        'rules or windows changed while importing; nothing was written, run the import again',
      );
    }
    await this.live.waitForRevision(result.revision, this.options.writeVisibilityTimeoutMs);
    return { ...report, revision: result.revision };
  }

  /**
   * A range compare cannot see a key deleted since the plan, so every written key is guarded on
   * its own (unchanged revision, or still absent for a create) and so is every window a written
   * rule references but the import does not write: a window deleted meanwhile fails the commit
   * instead of leaving a rule that points at nothing.
   */
  private guardsFor(
    writes: Write[],
    rules: ImportedRule[],
    windowEntries: Map<string, StoredEntry>,
    ruleEntries: Map<string, StoredEntry>,
  ): KeyGuard[] {
    const written = new Set(writes.map((w) => w.key));
    const guards: KeyGuard[] = [];
    for (const key of written) {
      if (key.startsWith(KEYS.auditPrefix)) continue;
      const current = windowEntries.get(key) ?? ruleEntries.get(key);
      guards.push({
        key,
        expect: current ? { kind: 'revision', revision: current.modRevision } : { kind: 'absent' },
      });
    }
    const referenced = new Set(
      rules.filter((r) => written.has(KEYS.rule(r))).map((r) => KEYS.window(r.window)),
    );
    for (const key of referenced) {
      const current = windowEntries.get(key);
      if (written.has(key) || !current || key === KEYS.window(ANY_WINDOW)) continue;
      guards.push({ key, expect: { kind: 'revision', revision: current.modRevision } });
    }
    return guards;
  }

  private checkShape(windows: ImportedWindow[], rules: ImportedRule[]): void {
    const problems: string[] = [];
    const dup = (keys: string[], what: string) => {
      const seen = new Set<string>();
      for (const k of keys) {
        if (seen.has(k)) problems.push(`${what} ${k} appears more than once`);
        seen.add(k);
      }
    };
    dup(
      windows.map((w) => w.name),
      'windows:',
    );
    dup(
      rules.map((r) => ruleKeyOf(r)),
      'rules:',
    );
    if (problems.length) throw validationFailed(problems);
    const capacity = this.options.maxTxnOps - 1;
    if (windows.length + rules.length > capacity) {
      throw new DomainError(
        'IMPORT_TOO_LARGE',
        `an import is one etcd transaction of at most ${capacity} windows and rules (ETCD_MAX_TXN_OPS=${this.options.maxTxnOps} minus the audit record); this one has ${windows.length + rules.length}`,
      );
    }
  }
}
