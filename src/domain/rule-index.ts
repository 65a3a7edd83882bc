import { WILDCARD } from './scope';
import { Rule, isNamedWindow, ruleKeyOf } from './rule';
import { ActivityCheck, TimeWindow, compileWindow } from './time-window';

interface Entry {
  readonly rule: Rule;
  readonly key: string;
  readonly specificity: number;
  readonly named: boolean;
  readonly windowPriority: number;
  readonly isActive: ActivityCheck;
  readonly windowKnown: boolean;
}

/** An admin's manual breaker setting for one rule (etcd `breakers/{d}/{g}/{w}`); absent = auto. */
export interface BreakerOverride {
  mode: 'open' | 'closed';
  by: string;
  at: string;
  revision: number;
}

export type IndexChange =
  | { kind: 'put-override'; key: string; override: BreakerOverride }
  | { kind: 'delete-override'; key: string }
  | { kind: 'put-rule'; rule: Rule }
  | { kind: 'delete-rule'; key: string }
  | { kind: 'put-window'; window: TimeWindow }
  | { kind: 'delete-window'; name: string };

export interface ExplainCandidate {
  key: string;
  specificity: number;
  window: string;
  windowPriority: number;
  rulePriority: number;
  enabled: boolean;
  active: boolean;
  governing: boolean;
  note: string;
}

export interface Explanation {
  department: string;
  grade: string;
  at: string;
  rulesRevision: number;
  governing: Rule | null;
  candidates: ExplainCandidate[];
}

const specificityOf = (department: string, grade: string): number =>
  (department === WILDCARD ? 0 : 2) + (grade === WILDCARD ? 0 : 1);

/** Order within one (department, grade) bucket: named window, window priority, rule priority, key. */
function compareEntries(a: Entry, b: Entry): number {
  if (a.named !== b.named) return a.named ? -1 : 1;
  if (a.windowPriority !== b.windowPriority) return b.windowPriority - a.windowPriority;
  if (a.rule.priority !== b.rule.priority) return b.rule.priority - a.rule.priority;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function whyOutranked(winner: Entry, loser: Entry): string {
  if (winner.specificity !== loser.specificity) return 'more specific scope';
  if (winner.named !== loser.named) return 'a named window beats "any"';
  if (winner.windowPriority !== loser.windowPriority) return 'higher window priority';
  if (winner.rule.priority !== loser.rule.priority) return 'higher rule priority';
  return 'earlier key order';
}

/**
 * An immutable view of all rules and windows at one etcd revision. Changes produce a new index
 * (withChanges) that the caller swaps in with one assignment, so a decision never sees half an
 * update. Lookups touch at most four buckets: (d,g), (d,*), (*,g), (*,*), most specific first.
 */
export class RuleIndex {
  private readonly buckets = new Map<string, Entry[]>();

  private constructor(
    private readonly ruleMap: ReadonlyMap<string, Rule>,
    private readonly windowMap: ReadonlyMap<string, TimeWindow>,
    readonly revision: number,
    private readonly overrideMap: ReadonlyMap<string, BreakerOverride> = new Map(),
  ) {
    const compiled = new Map<string, ActivityCheck>();
    for (const [name, window] of windowMap) compiled.set(name, compileWindow(window));
    for (const [key, rule] of ruleMap) {
      const window = windowMap.get(rule.window);
      const entry: Entry = {
        rule,
        key,
        specificity: specificityOf(rule.department, rule.grade),
        named: isNamedWindow(rule.window),
        windowPriority: window?.priority ?? 0,
        // A rule whose window vanished (deleted behind our back) can never be active.
        isActive: compiled.get(rule.window) ?? (() => false),
        windowKnown: window !== undefined,
      };
      const bucketKey = `${rule.department}/${rule.grade}`;
      const bucket = this.buckets.get(bucketKey);
      if (bucket) bucket.push(entry);
      else this.buckets.set(bucketKey, [entry]);
    }
    for (const bucket of this.buckets.values()) bucket.sort(compareEntries);
  }

  static empty(): RuleIndex {
    return new RuleIndex(new Map(), new Map(), 0);
  }

  static build(rules: Iterable<Rule>, windows: Iterable<TimeWindow>, revision: number): RuleIndex {
    const ruleMap = new Map<string, Rule>();
    for (const rule of rules) ruleMap.set(ruleKeyOf(rule), rule);
    const windowMap = new Map<string, TimeWindow>();
    for (const window of windows) windowMap.set(window.name, window);
    return new RuleIndex(ruleMap, windowMap, revision);
  }

  withChanges(changes: readonly IndexChange[], revision: number): RuleIndex {
    const rules = new Map(this.ruleMap);
    const windows = new Map(this.windowMap);
    const overrides = new Map(this.overrideMap);
    for (const change of changes) {
      switch (change.kind) {
        case 'put-override':
          overrides.set(change.key, change.override);
          break;
        case 'delete-override':
          overrides.delete(change.key);
          break;
        case 'put-rule':
          rules.set(ruleKeyOf(change.rule), change.rule);
          break;
        case 'delete-rule':
          rules.delete(change.key);
          break;
        case 'put-window':
          windows.set(change.window.name, change.window);
          break;
        case 'delete-window':
          windows.delete(change.name);
          break;
      }
    }
    return new RuleIndex(rules, windows, Math.max(revision, this.revision), overrides);
  }

  get ruleCount(): number {
    return this.ruleMap.size;
  }

  get windowCount(): number {
    return this.windowMap.size;
  }

  rule(key: string): Rule | undefined {
    return this.ruleMap.get(key);
  }

  /** The manual breaker setting of a rule (by rule key), if an admin set one. */
  override(key: string): BreakerOverride | undefined {
    return this.overrideMap.get(key);
  }

  window(name: string): TimeWindow | undefined {
    return this.windowMap.get(name);
  }

  /** All rules in key order. */
  rules(): Rule[] {
    return [...this.ruleMap.values()].sort((a, b) => (ruleKeyOf(a) < ruleKeyOf(b) ? -1 : 1));
  }

  /** All windows in name order. */
  windows(): TimeWindow[] {
    return [...this.windowMap.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  rulesUsingWindow(name: string): Rule[] {
    return this.rules().filter((r) => r.window === name);
  }

  /** The governing rule for a request at an instant, or undefined (NO_RULE). The hot path. */
  match(department: string, grade: string, atMs: number): Rule | undefined {
    for (const bucketKey of this.bucketKeys(department, grade)) {
      const bucket = this.buckets.get(bucketKey);
      if (!bucket) continue;
      for (const entry of bucket) {
        if (entry.rule.enabled && entry.isActive(atMs)) return entry.rule;
      }
    }
    return undefined;
  }

  /** The same question as match, with every candidate and why the winner won. */
  explain(department: string, grade: string, atMs: number): Explanation {
    const candidates: ExplainCandidate[] = [];
    let winner: Entry | undefined;
    for (const bucketKey of this.bucketKeys(department, grade)) {
      for (const entry of this.buckets.get(bucketKey) ?? []) {
        const active = entry.isActive(atMs);
        let note: string;
        let governing = false;
        if (!entry.rule.enabled) note = 'disabled';
        else if (!entry.windowKnown) note = `window "${entry.rule.window}" does not exist`;
        else if (!active) note = `window "${entry.rule.window}" is not active at this time`;
        else if (winner) note = `outranked by ${winner.key}: ${whyOutranked(winner, entry)}`;
        else {
          winner = entry;
          governing = true;
          note = 'governs: the first enabled, active rule by specificity, window, priority, key';
        }
        candidates.push({
          key: entry.key,
          specificity: entry.specificity,
          window: entry.rule.window,
          windowPriority: entry.windowPriority,
          rulePriority: entry.rule.priority,
          enabled: entry.rule.enabled,
          active,
          governing,
          note,
        });
      }
    }
    return {
      department,
      grade,
      at: new Date(atMs).toISOString(),
      rulesRevision: this.revision,
      governing: winner?.rule ?? null,
      candidates,
    };
  }

  private bucketKeys(department: string, grade: string): string[] {
    return [
      `${department}/${grade}`,
      `${department}/${WILDCARD}`,
      `${WILDCARD}/${grade}`,
      `${WILDCARD}/${WILDCARD}`,
    ];
  }
}
