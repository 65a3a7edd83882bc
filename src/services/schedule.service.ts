import { validationFailed } from '../domain/errors';
import { Rule, ruleKeyOf } from '../domain/rule';
import { DateTime } from 'luxon';
import {
  ScheduleScope,
  activeIntervals,
  scheduleOf,
  scopesOf,
  transitionsOf,
} from '../domain/schedule';
import { TimeWindowSpec } from '../domain/time-window';
import { LiveIndex } from './rule-index.service';

/** What a timeline shows of a governing rule. */
export interface RuleSummary {
  key: string;
  window: string;
  qps: number;
  burst: number;
  algorithm: Rule['limit']['algorithm'];
  onExceed: Rule['onExceed'];
  shadow: boolean;
}

export interface ScheduleLane extends ScheduleScope {
  intervals: { from: string; to: string; rule: RuleSummary | null }[];
}

export interface ScheduleView {
  from: string;
  to: string;
  rulesRevision: number;
  lanes: ScheduleLane[];
  /** More scopes matched than MAX_LANES; ask for a department or grade. */
  truncated: boolean;
}

export interface ScheduleTransitionView extends ScheduleScope {
  at: string;
  from: RuleSummary | null;
  to: RuleSummary | null;
}

export interface TransitionsView {
  from: string;
  /** Transitions are looked for up to this instant. */
  until: string;
  rulesRevision: number;
  items: ScheduleTransitionView[];
}

export interface WindowPreview {
  timezone: string;
  /** Monday 00:00 of the week shown, in the window's zone, unless asked otherwise. */
  from: string;
  to: string;
  /** The stretches the window is active in [from, to). */
  intervals: { from: string; to: string }[];
}

export interface ScheduleFilter {
  department?: string;
  grade?: string;
}

const DAY_MS = 86_400_000;
export const SCHEDULE_DEFAULT_DAYS = 7;
export const SCHEDULE_MAX_DAYS = 31;
/** Transitions are searched this far ahead. */
export const TRANSITIONS_HORIZON_DAYS = 31;
/** Scopes drawn at most: each costs a pass over its windows' change instants. */
export const MAX_LANES = 100;

const summary = (rule: Rule | undefined): RuleSummary | null =>
  rule
    ? {
        key: ruleKeyOf(rule),
        window: rule.window,
        qps: rule.limit.qps,
        burst: rule.limit.burst,
        algorithm: rule.limit.algorithm,
        onExceed: rule.onExceed,
        shadow: rule.shadow,
      }
    : null;

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The schedule API: for one scope, or every scope some rule is written for, which rule governs
 * when. All of it is computed by the domain (domain/schedule.ts) from the live index in memory.
 */
export class ScheduleService {
  constructor(
    private readonly live: LiveIndex,
    private readonly now: () => number = Date.now,
  ) {}

  schedule(filter: ScheduleFilter, fromIso?: string, toIso?: string): ScheduleView {
    const from = fromIso === undefined ? this.now() : Date.parse(fromIso);
    const to = toIso === undefined ? from + SCHEDULE_DEFAULT_DAYS * DAY_MS : Date.parse(toIso);
    if (to <= from) throw validationFailed(['to must be after from']);
    if (to - from > SCHEDULE_MAX_DAYS * DAY_MS)
      throw validationFailed([`to may be at most ${SCHEDULE_MAX_DAYS} days after from`]);
    const index = this.live.index;
    const scopes = this.scopes(filter);
    const lanes = scopes.slice(0, MAX_LANES).map((scope) => ({
      ...scope,
      intervals: scheduleOf(index, scope, from, to).map((x) => ({
        from: iso(x.from),
        to: iso(x.to),
        rule: summary(x.rule),
      })),
    }));
    return {
      from: iso(from),
      to: iso(to),
      rulesRevision: index.revision,
      lanes,
      truncated: scopes.length > MAX_LANES,
    };
  }

  transitions(filter: ScheduleFilter, limit: number): TransitionsView {
    const from = this.now();
    const until = from + TRANSITIONS_HORIZON_DAYS * DAY_MS;
    const index = this.live.index;
    const scopes = this.scopes(filter).slice(0, MAX_LANES);
    return {
      from: iso(from),
      until: iso(until),
      rulesRevision: index.revision,
      items: transitionsOf(index, scopes, from, until, limit).map((t) => ({
        department: t.department,
        grade: t.grade,
        at: iso(t.at),
        from: summary(t.from),
        to: summary(t.to),
      })),
    };
  }

  /** A week of a window's activity (saved or not): what the console's week view draws. */
  previewWindow(spec: TimeWindowSpec, fromIso?: string): WindowPreview {
    const from =
      fromIso === undefined
        ? DateTime.fromMillis(this.now(), { zone: spec.timezone }).startOf('week').toMillis()
        : Date.parse(fromIso);
    const to = from + 7 * DAY_MS;
    return {
      timezone: spec.timezone,
      from: iso(from),
      to: iso(to),
      intervals: activeIntervals(spec, from, to).map((x) => ({ from: iso(x.from), to: iso(x.to) })),
    };
  }

  /**
   * Both department and grade: that scope (even with no rule of its own, wildcard rules may
   * govern it). Otherwise every scope a rule is written for, narrowed by the one given.
   */
  private scopes(filter: ScheduleFilter): ScheduleScope[] {
    const { department, grade } = filter;
    if (department !== undefined && grade !== undefined) return [{ department, grade }];
    return scopesOf(this.live.index).filter(
      (s) =>
        (department === undefined || s.department === department) &&
        (grade === undefined || s.grade === grade),
    );
  }
}
