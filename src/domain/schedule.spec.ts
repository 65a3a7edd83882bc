import { DateTime } from 'luxon';
import { Rule, RuleId, applyRuleDefaults, ruleKeyOf } from './rule';
import { RuleIndex } from './rule-index';
import { ScheduleScope, activeIntervals, scheduleOf, scopesOf, transitionsOf } from './schedule';
import { ANY_WINDOW_SPEC, TimeWindow, TimeWindowSpec, applyWindowDefaults } from './time-window';

const META = { revision: 1, createdAt: '', updatedAt: '', updatedBy: 'test' };
const rule = (id: string, qps = 10): Rule => {
  const [department, grade, window] = id.split('/');
  const ruleId: RuleId = { department, grade, window };
  return { ...ruleId, ...applyRuleDefaults({ limit: { qps } }), ...META };
};
const window = (name: string, spec: Partial<TimeWindowSpec>): TimeWindow => ({
  name,
  ...applyWindowDefaults(spec),
  ...META,
});
const ANY = { name: 'any', ...ANY_WINDOW_SPEC, ...META };
const at = (iso: string, zone: string): number => DateTime.fromISO(iso, { zone }).toMillis();
const local = (ms: number, zone: string): string =>
  DateTime.fromMillis(ms, { zone }).toFormat('ccc yyyy-MM-dd HH:mm ZZ');
const keyOf = (r: Rule | undefined) => (r ? ruleKeyOf(r) : 'none');

/**
 * The oracle: ask `match` at every minute (and half-minute) of the range and check that the
 * schedule says the same. A change instant missing from the schedule shows up here.
 */
function expectScheduleMatchesScan(ix: RuleIndex, scope: ScheduleScope, from: number, to: number) {
  const intervals = scheduleOf(ix, scope, from, to);
  expect(intervals[0].from).toBe(from);
  expect(intervals[intervals.length - 1].to).toBe(to);
  let i = 0;
  for (let t = from; t < to; t += 30_000) {
    while (intervals[i].to <= t) i++;
    const expected = keyOf(ix.match(scope.department, scope.grade, t));
    if (keyOf(intervals[i].rule) !== expected)
      throw new Error(
        `at ${new Date(t).toISOString()}: schedule ${keyOf(intervals[i].rule)}, match ${expected}`,
      );
  }
  return intervals;
}

describe('schedule', () => {
  const SH = 'Asia/Shanghai';
  const NY = 'America/New_York';

  it('shows a range that crosses midnight on the day it started, in the window zone', () => {
    const night = window('night', {
      timezone: SH,
      daysOfWeek: [5],
      timeRanges: [{ start: '22:00', end: '02:00' }],
    });
    const ix = RuleIndex.build([rule('cs/2023/night', 5), rule('*/*/any', 100)], [ANY, night], 3);
    // Monday 2026-11-16 00:00 Shanghai, for a week.
    const from = at('2026-11-16T00:00', SH);
    const intervals = expectScheduleMatchesScan(
      ix,
      { department: 'cs', grade: '2023' },
      from,
      from + 7 * 86_400_000,
    );
    expect(intervals.map((x) => `${local(x.from, SH)} ${keyOf(x.rule)}`)).toEqual([
      'Mon 2026-11-16 00:00 +08:00 */*/any',
      'Fri 2026-11-20 22:00 +08:00 cs/2023/night',
      'Sat 2026-11-21 02:00 +08:00 */*/any',
    ]);
  });

  it('follows the window zone, not UTC: 22:30 Shanghai is 14:30 UTC', () => {
    const evening = window('evening', {
      timezone: SH,
      timeRanges: [{ start: '22:30', end: '23:00' }],
    });
    const ix = RuleIndex.build([rule('cs/2023/evening')], [ANY, evening], 3);
    const from = Date.UTC(2026, 10, 16, 0, 0);
    const [first] = scheduleOf(
      ix,
      { department: 'cs', grade: '2023' },
      from,
      from + 86_400_000,
    ).filter((x) => x.rule);
    expect(new Date(first.from).toISOString()).toBe('2026-11-16T14:30:00.000Z');
    expect(first.to - first.from).toBe(30 * 60_000);
  });

  it('keeps to wall-clock time across spring-forward: the skipped hour never starts, the range ends at the jump', () => {
    const early = window('early', {
      timezone: NY,
      timeRanges: [
        { start: '01:30', end: '02:30' },
        { start: '02:15', end: '02:45' },
      ],
    });
    const ix = RuleIndex.build([rule('cs/*/early')], [ANY, early], 3);
    const from = at('2026-03-07T00:00', NY);
    const intervals = expectScheduleMatchesScan(
      ix,
      { department: 'cs', grade: '2023' },
      from,
      from + 3 * 86_400_000,
    );
    const onSunday = intervals.filter((x) => x.rule && local(x.from, NY).startsWith('Sun'));
    // 01:30 EST until the clock jumps from 02:00 EST to 03:00 EDT: one half hour.
    expect(onSunday.map((x) => [local(x.from, NY), local(x.to, NY)])).toEqual([
      ['Sun 2026-03-08 01:30 -05:00', 'Sun 2026-03-08 03:00 -04:00'],
    ]);
  });

  it('is active twice in the repeated hour of fall-back', () => {
    const early = window('early', { timezone: NY, timeRanges: [{ start: '01:30', end: '01:45' }] });
    const ix = RuleIndex.build([rule('cs/*/early')], [ANY, early], 3);
    const from = at('2026-10-31T12:00', NY);
    const intervals = expectScheduleMatchesScan(
      ix,
      { department: 'cs', grade: '2023' },
      from,
      from + 86_400_000,
    );
    expect(intervals.filter((x) => x.rule).map((x) => local(x.from, NY))).toEqual([
      'Sun 2026-11-01 01:30 -04:00',
      'Sun 2026-11-01 01:30 -05:00',
    ]);
  });

  it('agrees with a minute-by-minute scan for mixed windows, zones and date ranges', () => {
    const windows = [
      ANY,
      window('peak', {
        timezone: 'Europe/London',
        dateRanges: [{ from: '2026-10-24', to: '2026-10-26' }],
        priority: 10,
      }),
      window('evenings', {
        timezone: NY,
        daysOfWeek: [6, 7],
        timeRanges: [{ start: '23:30', end: '00:30' }],
      }),
      window('lunch', {
        timezone: 'Australia/Lord_Howe',
        timeRanges: [{ start: '12:00', end: '13:30' }],
      }),
    ];
    const ix = RuleIndex.build(
      [rule('*/*/any'), rule('cs/*/peak'), rule('cs/2023/evenings'), rule('*/2023/lunch')],
      windows,
      3,
    );
    // London leaves summer time on 2026-10-25, New York on 2026-11-01 (Lord Howe moves by 30 min in April and October).
    const from = Date.UTC(2026, 9, 23, 0, 0);
    for (const scope of scopesOf(ix))
      expectScheduleMatchesScan(ix, scope, from, from + 10 * 86_400_000);
    expectScheduleMatchesScan(
      ix,
      { department: 'math', grade: '2023' },
      from,
      from + 10 * 86_400_000,
    );
  });

  it('lists the next transitions across scopes in time order, up to the limit', () => {
    const night = window('night', {
      timezone: 'UTC',
      timeRanges: [{ start: '22:00', end: '02:00' }],
    });
    const ix = RuleIndex.build(
      [rule('cs/2023/night'), rule('*/*/any'), rule('ee/*/night')],
      [ANY, night],
      3,
    );
    const from = Date.UTC(2026, 10, 16, 12, 0);
    const next = transitionsOf(ix, scopesOf(ix), from, from + 7 * 86_400_000, 3);
    expect(
      next.map(
        (t) =>
          `${new Date(t.at).toISOString()} ${t.department}/${t.grade} ${keyOf(t.from)} -> ${keyOf(t.to)}`,
      ),
    ).toEqual([
      '2026-11-16T22:00:00.000Z cs/2023 */*/any -> cs/2023/night',
      '2026-11-16T22:00:00.000Z ee/* */*/any -> ee/*/night',
      '2026-11-17T02:00:00.000Z cs/2023 cs/2023/night -> */*/any',
    ]);
  });

  it('says no rule governs where none matches', () => {
    const ix = RuleIndex.build([rule('cs/2023/any')], [ANY], 3);
    const from = Date.UTC(2026, 0, 1);
    expect(scheduleOf(ix, { department: 'ee', grade: '2023' }, from, from + 1000)).toEqual([
      { from, to: from + 1000, rule: undefined },
    ]);
  });
});

describe('activeIntervals', () => {
  it('gives the active stretches of a window, on the days it allows', () => {
    const spec = applyWindowDefaults({
      timezone: 'Asia/Shanghai',
      daysOfWeek: [5],
      timeRanges: [
        { start: '22:00', end: '24:00' },
        { start: '00:00', end: '02:00' },
      ],
    });
    const from = at('2026-11-16T00:00', 'Asia/Shanghai');
    const stretches = activeIntervals(spec, from, from + 7 * 86_400_000);
    // Both ranges count on Friday only: 00:00-02:00 Friday morning and 22:00-24:00 Friday
    // night; Saturday's 00:00-02:00 is a range of its own, on a day daysOfWeek leaves out.
    expect(
      stretches.map((s) => [local(s.from, 'Asia/Shanghai'), local(s.to, 'Asia/Shanghai')]),
    ).toEqual([
      ['Fri 2026-11-20 00:00 +08:00', 'Fri 2026-11-20 02:00 +08:00'],
      ['Fri 2026-11-20 22:00 +08:00', 'Sat 2026-11-21 00:00 +08:00'],
    ]);
  });
});
