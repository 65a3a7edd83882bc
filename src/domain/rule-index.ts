import { Map as ImmutableMap, Set as ImmutableSet } from 'immutable';
import { WILDCARD } from './scope';
import { Rule, RuleId, isNamedWindow, ruleKeyOf } from './rule';
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

/** A rule as its bucket holds it, linked to its window's priority and compiled schedule. */
function entryOf(
  rule: Rule,
  key: string,
  linked: {
    windows: ImmutableMap<string, TimeWindow>;
    compiled: ImmutableMap<string, ActivityCheck>;
  },
): Entry {
  const window = linked.windows.get(rule.window);
  return {
    rule,
    key,
    specificity: specificityOf(rule.department, rule.grade),
    named: isNamedWindow(rule.window),
    windowPriority: window?.priority ?? 0,
    // A rule whose window vanished (deleted behind our back) can never be active.
    isActive: linked.compiled.get(rule.window) ?? NEVER,
    windowKnown: window !== undefined,
  };
}

const NEVER: ActivityCheck = () => false;

function whyOutranked(winner: Entry, loser: Entry): string {
  if (winner.specificity !== loser.specificity) return 'more specific scope';
  if (winner.named !== loser.named) return 'a named window beats "any"';
  if (winner.windowPriority !== loser.windowPriority) return 'higher window priority';
  if (winner.rule.priority !== loser.rule.priority) return 'higher rule priority';
  return 'earlier key order';
}

/** The persistent maps one index is made of; a change copies only the paths it touches. */
interface IndexState {
  readonly rules: ImmutableMap<string, Rule>;
  readonly windows: ImmutableMap<string, TimeWindow>;
  /** Each window compiled once, when it is put: a window change recompiles only that window. */
  readonly compiled: ImmutableMap<string, ActivityCheck>;
  readonly overrides: ImmutableMap<string, BreakerOverride>;
  /** Rule keys by window name: what a window change has to re-link. */
  readonly byWindow: ImmutableMap<string, ImmutableSet<string>>;
  /** Rule keys by bucket (`department/grade`), and each bucket's entries in governing order. */
  readonly members: ImmutableMap<string, ImmutableSet<string>>;
  readonly buckets: ImmutableMap<string, readonly Entry[]>;
}

const EMPTY_STATE: IndexState = {
  rules: ImmutableMap(),
  windows: ImmutableMap(),
  compiled: ImmutableMap(),
  overrides: ImmutableMap(),
  byWindow: ImmutableMap(),
  members: ImmutableMap(),
  buckets: ImmutableMap(),
};

const bucketOf = (rule: RuleId): string => `${rule.department}/${rule.grade}`;

const addTo = (
  map: ImmutableMap<string, ImmutableSet<string>>,
  group: string,
  key: string,
): ImmutableMap<string, ImmutableSet<string>> =>
  map.update(group, (set) => (set ?? ImmutableSet<string>()).add(key));

const removeFrom = (
  map: ImmutableMap<string, ImmutableSet<string>>,
  group: string,
  key: string,
): ImmutableMap<string, ImmutableSet<string>> => {
  const set = map.get(group)?.delete(key);
  return set && set.size ? map.set(group, set) : map.delete(group);
};

/**
 * An immutable view of all rules and windows at one etcd revision. A change produces a new index
 * (withChanges) that the caller swaps in with one assignment, so a decision never sees half an
 * update. Its cost is proportional to the change, not to the number of rules: the maps are
 * persistent (structural sharing), only the buckets a change touches are re-sorted, and only a
 * changed window is recompiled (its rules are re-linked). Lookups touch at most four buckets:
 * (d,g), (d,*), (*,g), (*,*), most specific first.
 */
export class RuleIndex {
  private constructor(
    private readonly state: IndexState,
    readonly revision: number,
  ) {}

  static empty(): RuleIndex {
    return new RuleIndex(EMPTY_STATE, 0);
  }

  static build(rules: Iterable<Rule>, windows: Iterable<TimeWindow>, revision: number): RuleIndex {
    const changes: IndexChange[] = [];
    for (const window of windows) changes.push({ kind: 'put-window', window });
    for (const rule of rules) changes.push({ kind: 'put-rule', rule });
    return RuleIndex.empty().withChanges(changes, revision);
  }

  withChanges(changes: readonly IndexChange[], revision: number): RuleIndex {
    // Transient copies (Immutable's asMutable): a batch of changes pays one copy of each path it
    // touches, not one per change; the originals stay untouched for the index still in use.
    const rules = this.state.rules.asMutable();
    const windows = this.state.windows.asMutable();
    const compiled = this.state.compiled.asMutable();
    const overrides = this.state.overrides.asMutable();
    let byWindow = this.state.byWindow.asMutable();
    let members = this.state.members.asMutable();
    const touched = new Set<string>();
    const changedWindows = new Set<string>();
    for (const change of changes) {
      switch (change.kind) {
        case 'put-override':
          overrides.set(change.key, change.override);
          break;
        case 'delete-override':
          overrides.delete(change.key);
          break;
        case 'put-rule': {
          const key = ruleKeyOf(change.rule);
          const old = rules.get(key);
          if (old) byWindow = removeFrom(byWindow, old.window, key);
          rules.set(key, change.rule);
          byWindow = addTo(byWindow, change.rule.window, key);
          members = addTo(members, bucketOf(change.rule), key);
          touched.add(bucketOf(change.rule));
          break;
        }
        case 'delete-rule': {
          const old = rules.get(change.key);
          if (!old) break;
          rules.delete(change.key);
          byWindow = removeFrom(byWindow, old.window, change.key);
          members = removeFrom(members, bucketOf(old), change.key);
          touched.add(bucketOf(old));
          break;
        }
        case 'put-window':
          windows.set(change.window.name, change.window);
          compiled.set(change.window.name, compileWindow(change.window));
          changedWindows.add(change.window.name);
          break;
        case 'delete-window':
          windows.delete(change.name);
          compiled.delete(change.name);
          changedWindows.add(change.name);
          break;
      }
    }
    // Rules of a changed window take its new priority and schedule (or, gone, never match).
    for (const name of changedWindows)
      for (const key of byWindow.get(name) ?? []) touched.add(bucketOf(rules.get(key)!));
    const linked = { windows, compiled };
    const buckets = this.state.buckets.asMutable();
    for (const bucket of touched) {
      const keys = members.get(bucket);
      if (!keys) {
        buckets.delete(bucket);
        continue;
      }
      const entries = [...keys].map((key) => entryOf(rules.get(key)!, key, linked));
      buckets.set(bucket, entries.sort(compareEntries));
    }
    return new RuleIndex(
      {
        rules: rules.asImmutable(),
        windows: windows.asImmutable(),
        compiled: compiled.asImmutable(),
        overrides: overrides.asImmutable(),
        byWindow: byWindow.asImmutable(),
        members: members.asImmutable(),
        buckets: buckets.asImmutable(),
      },
      Math.max(revision, this.revision),
    );
  }

  get ruleCount(): number {
    return this.state.rules.size;
  }

  get windowCount(): number {
    return this.state.windows.size;
  }

  rule(key: string): Rule | undefined {
    return this.state.rules.get(key);
  }

  /** The manual breaker setting of a rule (by rule key), if an admin set one. */
  override(key: string): BreakerOverride | undefined {
    return this.state.overrides.get(key);
  }

  window(name: string): TimeWindow | undefined {
    return this.state.windows.get(name);
  }

  /** All rules in key order. */
  rules(): Rule[] {
    return [...this.state.rules.values()].sort((a, b) => (ruleKeyOf(a) < ruleKeyOf(b) ? -1 : 1));
  }

  /** All windows in name order. */
  windows(): TimeWindow[] {
    return [...this.state.windows.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  rulesUsingWindow(name: string): Rule[] {
    const keys = [...(this.state.byWindow.get(name) ?? [])].sort();
    return keys.map((key) => this.state.rules.get(key)!);
  }

  /** The governing rule for a request at an instant, or undefined (NO_RULE). The hot path. */
  match(department: string, grade: string, atMs: number): Rule | undefined {
    for (const bucketKey of this.bucketKeys(department, grade)) {
      const bucket = this.state.buckets.get(bucketKey);
      if (!bucket) continue;
      for (const entry of bucket) {
        if (entry.rule.enabled && entry.isActive(atMs)) return entry.rule;
      }
    }
    return undefined;
  }

  /** The enabled rules that could govern a scope at some time (its four buckets), no repeats. */
  candidates(department: string, grade: string): Rule[] {
    const buckets = new Set(this.bucketKeys(department, grade));
    return [...buckets].flatMap((bucket) =>
      (this.state.buckets.get(bucket) ?? []).filter((e) => e.rule.enabled).map((e) => e.rule),
    );
  }

  /** The same question as match, with every candidate and why the winner won. */
  explain(department: string, grade: string, atMs: number): Explanation {
    const candidates: ExplainCandidate[] = [];
    let winner: Entry | undefined;
    for (const bucketKey of this.bucketKeys(department, grade)) {
      for (const entry of this.state.buckets.get(bucketKey) ?? []) {
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
