import { DateTime, IANAZone } from 'luxon';

export interface DateRange {
  /** Local calendar day, inclusive (YYYY-MM-DD). */
  from: string;
  /** Local calendar day, inclusive (YYYY-MM-DD). */
  to: string;
}

export interface TimeRange {
  /** Local wall-clock time, inclusive (HH:MM). */
  start: string;
  /** Local wall-clock time, exclusive (HH:MM, 24:00 allowed). Before `start` = crosses midnight. */
  end: string;
}

export interface TimeWindowSpec {
  timezone: string;
  dateRanges: DateRange[];
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  daysOfWeek: number[];
  timeRanges: TimeRange[];
  priority: number;
  description: string;
}

export interface TimeWindow extends TimeWindowSpec {
  name: string;
  revision: number;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

export const ANY_WINDOW = 'any';

export const ANY_WINDOW_SPEC: TimeWindowSpec = {
  timezone: 'UTC',
  dateRanges: [],
  daysOfWeek: [],
  timeRanges: [],
  priority: 0,
  description: 'Built-in window: always active',
};

const HM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Minutes since local midnight, or undefined when not HH:MM. `24:00` only when allowed. */
export function parseHm(value: string, allowEndOfDay = false): number | undefined {
  if (allowEndOfDay && value === '24:00') return 24 * 60;
  const m = HM.exec(value);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

export const isValidTimezone = (zone: string): boolean => IANAZone.isValidZone(zone);

export function isValidDay(value: string): boolean {
  return DAY.test(value) && DateTime.fromISO(value, { zone: 'UTC' }).isValid;
}

/**
 * Semantic checks the DTO shape checks cannot express. Returns field-named problems;
 * an empty list means the window is well-formed.
 */
export function windowProblems(spec: Partial<TimeWindowSpec>, path = ''): string[] {
  const problems: string[] = [];
  if (spec.timezone !== undefined && !isValidTimezone(spec.timezone)) {
    problems.push(
      `${path}timezone must be an IANA time zone name such as "Asia/Shanghai"; got "${spec.timezone}"`,
    );
  }
  spec.dateRanges?.forEach((r, i) => {
    const at = `${path}dateRanges.${i}`;
    if (!isValidDay(r.from)) problems.push(`${at}.from must be a calendar day YYYY-MM-DD`);
    if (!isValidDay(r.to)) problems.push(`${at}.to must be a calendar day YYYY-MM-DD`);
    if (isValidDay(r.from) && isValidDay(r.to) && r.from > r.to) {
      problems.push(`${at}.from must not be after ${at}.to`);
    }
  });
  spec.timeRanges?.forEach((r, i) => {
    const at = `${path}timeRanges.${i}`;
    const start = parseHm(r.start);
    const end = parseHm(r.end, true);
    if (start === undefined) problems.push(`${at}.start must be HH:MM (00:00–23:59)`);
    if (end === undefined) problems.push(`${at}.end must be HH:MM (00:00–24:00)`);
    if (start !== undefined && start === end) {
      problems.push(
        `${at}.end must differ from ${at}.start (an empty range would never be active)`,
      );
    }
  });
  return problems;
}

export type ActivityCheck = (atMs: number) => boolean;

interface CompiledRange {
  start: number;
  end: number;
  crossesMidnight: boolean;
}

/**
 * Compiles a window into a predicate over instants. Everything is evaluated in local wall-clock
 * time of the window's zone, so DST shifts move the instants, not the schedule: on a spring-forward
 * day a range inside the skipped hour never starts; on a fall-back day the repeated hour is active
 * twice. For a range that crosses midnight, `daysOfWeek` and `dateRanges` apply to the day the
 * range started.
 */
export function compileWindow(spec: TimeWindowSpec): ActivityCheck {
  const { dateRanges, daysOfWeek, timeRanges, timezone } = spec;
  if (dateRanges.length === 0 && daysOfWeek.length === 0 && timeRanges.length === 0) {
    return () => true;
  }
  const days = new Set(daysOfWeek);
  const ranges: CompiledRange[] = timeRanges.map((r) => {
    const start = parseHm(r.start) ?? 0;
    const end = parseHm(r.end, true) ?? 24 * 60;
    return { start, end, crossesMidnight: end < start };
  });
  const dayAllowed = (local: DateTime): boolean => {
    if (days.size > 0 && !days.has(local.weekday)) return false;
    if (dateRanges.length === 0) return true;
    const iso = local.toISODate() ?? '';
    return dateRanges.some((r) => r.from <= iso && iso <= r.to);
  };
  return (atMs: number): boolean => {
    const local = DateTime.fromMillis(atMs, { zone: timezone });
    if (ranges.length === 0) return dayAllowed(local);
    const minute = local.hour * 60 + local.minute + local.second / 60;
    let today: boolean | undefined;
    let yesterday: boolean | undefined;
    for (const r of ranges) {
      if (!r.crossesMidnight) {
        if (minute >= r.start && minute < r.end && (today ??= dayAllowed(local))) return true;
      } else if (minute >= r.start) {
        if ((today ??= dayAllowed(local))) return true;
      } else if (minute < r.end) {
        if ((yesterday ??= dayAllowed(local.minus({ days: 1 })))) return true;
      }
    }
    return false;
  };
}

export type TimeWindowInput = Partial<TimeWindowSpec>;

export function applyWindowDefaults(input: TimeWindowInput): TimeWindowSpec {
  return {
    timezone: input.timezone ?? 'UTC',
    dateRanges: (input.dateRanges ?? []).map((r) => ({ from: r.from, to: r.to })),
    daysOfWeek: [...(input.daysOfWeek ?? [])].sort((a, b) => a - b),
    timeRanges: (input.timeRanges ?? []).map((r) => ({ start: r.start, end: r.end })),
    priority: input.priority ?? 0,
    description: input.description ?? '',
  };
}
