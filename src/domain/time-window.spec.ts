import { DateTime } from 'luxon';
import { TimeWindowSpec, applyWindowDefaults, compileWindow, windowProblems } from './time-window';

const local = (iso: string, zone: string): number => {
  const t = DateTime.fromISO(iso, { zone });
  if (!t.isValid) throw new Error(`bad test instant ${iso}`);
  return t.toMillis();
};
const spec = (s: Partial<TimeWindowSpec>): TimeWindowSpec => applyWindowDefaults(s);

describe('time windows', () => {
  const SH = 'Asia/Shanghai';

  it('is always active with no restriction (the built-in any)', () => {
    const active = compileWindow(spec({}));
    expect(active(0)).toBe(true);
    expect(active(Date.UTC(2030, 5, 1))).toBe(true);
  });

  it('includes both ends of a date range as whole local days', () => {
    const active = compileWindow(
      spec({ timezone: SH, dateRanges: [{ from: '2026-12-28', to: '2027-01-08' }] }),
    );
    expect(active(local('2026-12-27T23:59:59', SH))).toBe(false);
    expect(active(local('2026-12-28T00:00:00', SH))).toBe(true);
    expect(active(local('2027-01-08T23:59:59', SH))).toBe(true);
    expect(active(local('2027-01-09T00:00:00', SH))).toBe(false);
    // The same instant is still 2026-12-27 in UTC: evaluation is in the window's zone.
    expect(active(Date.UTC(2026, 11, 27, 16, 0, 0))).toBe(true);
  });

  it('includes the start and excludes the end of a time range', () => {
    const active = compileWindow(
      spec({ timezone: SH, timeRanges: [{ start: '08:00', end: '12:00' }] }),
    );
    expect(active(local('2026-11-20T07:59:59', SH))).toBe(false);
    expect(active(local('2026-11-20T08:00:00', SH))).toBe(true);
    expect(active(local('2026-11-20T11:59:59', SH))).toBe(true);
    expect(active(local('2026-11-20T12:00:00', SH))).toBe(false);
  });

  it('treats 24:00 as the end of the day', () => {
    const active = compileWindow(spec({ timeRanges: [{ start: '23:00', end: '24:00' }] }));
    expect(active(Date.UTC(2026, 0, 1, 23, 59, 59))).toBe(true);
    expect(active(Date.UTC(2026, 0, 2, 0, 0, 0))).toBe(false);
  });

  it('applies daysOfWeek (ISO, 1 = Monday) to local days', () => {
    const active = compileWindow(spec({ timezone: SH, daysOfWeek: [1, 2, 3, 4, 5] }));
    expect(active(local('2026-11-20T10:00', SH))).toBe(true); // Friday
    expect(active(local('2026-11-21T10:00', SH))).toBe(false); // Saturday
    expect(active(local('2026-11-23T00:00', SH))).toBe(true); // Monday
  });

  it('lets a range cross midnight, with daysOfWeek applying to the day it started', () => {
    const active = compileWindow(
      spec({ timezone: SH, daysOfWeek: [5], timeRanges: [{ start: '22:00', end: '02:00' }] }),
    );
    expect(active(local('2026-11-20T21:59', SH))).toBe(false); // Friday, before start
    expect(active(local('2026-11-20T23:00', SH))).toBe(true); // Friday night
    expect(active(local('2026-11-21T01:59', SH))).toBe(true); // Saturday morning, started Friday
    expect(active(local('2026-11-21T02:00', SH))).toBe(false); // end excluded
    expect(active(local('2026-11-21T23:00', SH))).toBe(false); // Saturday night
    expect(active(local('2026-11-20T01:00', SH))).toBe(false); // Friday morning, started Thursday
  });

  it('applies dateRanges of a midnight-crossing range to the start day too', () => {
    const active = compileWindow(
      spec({
        dateRanges: [{ from: '2026-01-10', to: '2026-01-10' }],
        timeRanges: [{ start: '23:00', end: '01:00' }],
      }),
    );
    expect(active(Date.UTC(2026, 0, 11, 0, 30))).toBe(true);
    expect(active(Date.UTC(2026, 0, 10, 0, 30))).toBe(false);
  });

  describe('daylight saving time (America/New_York)', () => {
    const NY = 'America/New_York';

    it('follows the wall clock across the spring-forward change', () => {
      const active = compileWindow(
        spec({ timezone: NY, timeRanges: [{ start: '08:00', end: '12:00' }] }),
      );
      // 12:00Z is 07:00 EST on Saturday and 08:00 EDT on Monday.
      expect(active(Date.UTC(2026, 2, 7, 12, 0))).toBe(false);
      expect(active(Date.UTC(2026, 2, 9, 12, 0))).toBe(true);
      expect(active(Date.UTC(2026, 2, 7, 13, 0))).toBe(true);
    });

    it('never activates a range inside the skipped hour', () => {
      const active = compileWindow(
        spec({
          timezone: NY,
          dateRanges: [{ from: '2026-03-08', to: '2026-03-08' }],
          timeRanges: [{ start: '02:00', end: '02:30' }],
        }),
      );
      for (let t = Date.UTC(2026, 2, 8, 5, 0); t < Date.UTC(2026, 2, 8, 9, 0); t += 60_000) {
        expect(active(t)).toBe(false);
      }
    });

    it('is active during both passes of the repeated hour on fall-back day', () => {
      const active = compileWindow(
        spec({ timezone: NY, timeRanges: [{ start: '01:00', end: '02:00' }] }),
      );
      expect(active(Date.UTC(2026, 10, 1, 5, 30))).toBe(true); // 01:30 EDT
      expect(active(Date.UTC(2026, 10, 1, 6, 30))).toBe(true); // 01:30 EST
      expect(active(Date.UTC(2026, 10, 1, 7, 30))).toBe(false); // 02:30 EST
    });
  });

  describe('windowProblems', () => {
    it('rejects an empty time range and names it', () => {
      expect(windowProblems({ timeRanges: [{ start: '08:00', end: '08:00' }] })).toEqual([
        'timeRanges.0.end must differ from timeRanges.0.start (an empty range would never be active)',
      ]);
    });

    it('rejects an unknown time zone', () => {
      expect(windowProblems({ timezone: 'Mars/Olympus' })[0]).toMatch(
        /^timezone must be an IANA time zone/,
      );
    });

    it('rejects impossible days and reversed date ranges', () => {
      expect(windowProblems({ dateRanges: [{ from: '2026-02-30', to: '2026-03-01' }] })).toEqual([
        'dateRanges.0.from must be a calendar day YYYY-MM-DD',
      ]);
      expect(windowProblems({ dateRanges: [{ from: '2026-03-02', to: '2026-03-01' }] })).toEqual([
        'dateRanges.0.from must not be after dateRanges.0.to',
      ]);
    });

    it('accepts a well-formed window', () => {
      expect(
        windowProblems({
          timezone: 'Asia/Shanghai',
          dateRanges: [{ from: '2026-12-28', to: '2027-01-08' }],
          timeRanges: [
            { start: '22:00', end: '02:00' },
            { start: '00:00', end: '24:00' },
          ],
        }),
      ).toEqual([]);
    });
  });
});
