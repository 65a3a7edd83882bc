import { RecentAdmissions } from './recent-admissions';

describe('RecentAdmissions (fake clock)', () => {
  it('counts the hits of the current window', () => {
    const recent = new RecentAdmissions();
    recent.record('s', 3, 1000, 0);
    recent.record('s', 2, 1000, 400);
    expect(recent.admitted('s', 500)).toBe(5);
    expect(recent.admitted('other', 500)).toBe(0);
  });

  it('weighs the previous window by how much of it still overlaps, and forgets older ones', () => {
    const recent = new RecentAdmissions();
    recent.record('s', 10, 1000, 0);
    expect(recent.admitted('s', 1250)).toBeCloseTo(7.5);
    recent.record('s', 4, 1000, 1500);
    expect(recent.admitted('s', 1500)).toBeCloseTo(5 + 4);
    expect(recent.admitted('s', 3600)).toBe(0);
  });

  it('stays bounded: at its limit it forgets every scope', () => {
    const recent = new RecentAdmissions(2);
    recent.record('a', 1, 1000, 0);
    recent.record('b', 1, 1000, 0);
    recent.record('c', 1, 1000, 0);
    expect([recent.admitted('a', 1), recent.admitted('c', 1)]).toEqual([0, 1]);
  });
});
