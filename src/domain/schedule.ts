import { DateTime } from 'luxon';
import { Rule, ruleKeyOf } from './rule';
import { RuleIndex } from './rule-index';
import { TimeWindowSpec, compileWindow, parseHm } from './time-window';

/** A scope a schedule is drawn for: tokens of a request, or `*` for "any other". */
export interface ScheduleScope {
  department: string;
  grade: string;
}

/** [from, to) in epoch ms, and the rule governing the scope throughout it (undefined: none). */
export interface ScheduleInterval {
  from: number;
  to: number;
  rule: Rule | undefined;
}

export interface ScheduleTransition extends ScheduleScope {
  at: number;
  from: Rule | undefined;
  to: Rule | undefined;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** The distinct offsets (minutes) a zone uses on the local day starting at `day`. */
function offsetsOf(day: DateTime): number[] {
  const end = day.plus({ days: 1 }).minus({ milliseconds: 1 });
  return day.offset === end.offset ? [day.offset] : [day.offset, end.offset];
}

/**
 * The instant a zone's clock changes offset within [startMs, endMs), to the minute (offsets
 * change on whole minutes), found by bisection.
 */
function offsetChange(zone: string, startMs: number, endMs: number): number {
  const offsetAt = (ms: number) => DateTime.fromMillis(ms, { zone }).offset;
  const before = offsetAt(startMs);
  let lo = startMs;
  let hi = endMs;
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
    if (offsetAt(mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * Every instant in (fromMs, toMs) at which a window's activity may change: local midnights,
 * range starts and ends, and offset changes. A local time is turned into an instant once per
 * offset the zone uses that day, so a repeated hour (fall-back) yields both instants and a
 * skipped one (spring-forward) yields the jump itself. Extra instants are harmless — the schedule
 * merges intervals whose rule does not change — but a missing one would be wrong, which is why
 * the unit tests compare against a minute-by-minute scan.
 */
export function windowChangeInstants(spec: TimeWindowSpec, fromMs: number, toMs: number): number[] {
  const { dateRanges, daysOfWeek, timeRanges, timezone } = spec;
  if (!dateRanges.length && !daysOfWeek.length && !timeRanges.length) return [];
  const minutes = new Set<number>([0]);
  for (const r of timeRanges) {
    minutes.add(parseHm(r.start) ?? 0);
    // An end at or before the start is on the next local day (crossing midnight).
    minutes.add(parseHm(r.end, true) ?? 0);
  }
  const out: number[] = [];
  const last = DateTime.fromMillis(toMs, { zone: timezone }).endOf('day').plus({ days: 1 });
  let day = DateTime.fromMillis(fromMs, { zone: timezone }).startOf('day').minus({ days: 1 });
  while (day <= last) {
    const utcMidnight = Date.UTC(day.year, day.month - 1, day.day);
    const offsets = offsetsOf(day);
    for (const minute of minutes)
      for (const offset of offsets) out.push(utcMidnight + (minute - offset) * MINUTE_MS);
    if (offsets.length > 1)
      out.push(offsetChange(timezone, day.toMillis(), day.toMillis() + DAY_MS));
    day = day.plus({ days: 1 });
  }
  return out.filter((t) => t > fromMs && t < toMs);
}

/** Every distinct (department, grade) some rule is written for, in key order. */
export function scopesOf(index: RuleIndex): ScheduleScope[] {
  const seen = new Map<string, ScheduleScope>();
  for (const rule of index.rules())
    seen.set(`${rule.department}/${rule.grade}`, {
      department: rule.department,
      grade: rule.grade,
    });
  return [...seen.values()];
}

/**
 * Which rule governs a scope over [fromMs, toMs): the intervals between the change instants of
 * every window a candidate rule uses, each asked of the index's own matching (`match` at its
 * start), with neighbours governed by the same rule merged. `*` in the scope stands for a
 * request whose department or grade has no rule of its own.
 */
export function scheduleOf(
  index: RuleIndex,
  scope: ScheduleScope,
  fromMs: number,
  toMs: number,
): ScheduleInterval[] {
  const cuts = new Set<number>([fromMs]);
  const windows = new Set(index.candidates(scope.department, scope.grade).map((r) => r.window));
  for (const name of windows) {
    const window = index.window(name);
    if (window) for (const t of windowChangeInstants(window, fromMs, toMs)) cuts.add(t);
  }
  const starts = [...cuts].sort((a, b) => a - b);
  const intervals: ScheduleInterval[] = [];
  starts.forEach((start, i) => {
    const rule = index.match(scope.department, scope.grade, start);
    const previous = intervals[intervals.length - 1];
    const end = starts[i + 1] ?? toMs;
    if (previous && sameRule(previous.rule, rule)) previous.to = end;
    else intervals.push({ from: start, to: end, rule });
  });
  return intervals;
}

const sameRule = (a: Rule | undefined, b: Rule | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && ruleKeyOf(a) === ruleKeyOf(b));

/** The first `limit` moments after `fromMs` (and before `toMs`) at which a scope's rule changes. */
export function transitionsOf(
  index: RuleIndex,
  scopes: ScheduleScope[],
  fromMs: number,
  toMs: number,
  limit: number,
): ScheduleTransition[] {
  const all: ScheduleTransition[] = [];
  for (const scope of scopes) {
    const intervals = scheduleOf(index, scope, fromMs, toMs);
    for (let i = 1; i < intervals.length; i++) {
      all.push({
        ...scope,
        at: intervals[i].from,
        from: intervals[i - 1].rule,
        to: intervals[i].rule,
      });
    }
  }
  const order = (s: ScheduleScope) => `${s.department}/${s.grade}`;
  all.sort((a, b) => a.at - b.at || (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  return all.slice(0, limit);
}

/** The instants a window is active within [fromMs, toMs), as intervals (for a week preview). */
export function activeIntervals(
  spec: TimeWindowSpec,
  fromMs: number,
  toMs: number,
): { from: number; to: number }[] {
  const isActive = compileWindow(spec);
  const starts = [fromMs, ...windowChangeInstants(spec, fromMs, toMs)].sort((a, b) => a - b);
  const out: { from: number; to: number }[] = [];
  starts.forEach((start, i) => {
    if (!isActive(start)) return;
    const end = starts[i + 1] ?? toMs;
    const last = out[out.length - 1];
    if (last && last.to === start) last.to = end;
    else out.push({ from: start, to: end });
  });
  return out;
}
