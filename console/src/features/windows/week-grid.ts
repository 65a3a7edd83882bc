/** Minutes per step when sampling a preview into hour cells. */
const STEP_MS = 15 * 60_000;

/** Monday = 0 … Sunday = 6, and the hour, of an instant on a zone's wall clock. */
function wallClock(ms: number, zone: string): { day: number; hour: number } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    weekday: 'short',
    hour: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(ms);
  const weekday = parts.find((p) => p.type === 'weekday')?.value ?? 'Mon';
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
  return { day: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(weekday), hour };
}

/**
 * How much of each hour of the week (7 × 24, by the zone's wall clock) the intervals cover,
 * 0 to 1, sampled every 15 minutes. The same instants give both the window zone's grid and
 * the viewer's, so the two cannot disagree.
 */
export function weekGrid(intervals: { from: string; to: string }[], zone: string): number[][] {
  const grid = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
  for (const interval of intervals) {
    const end = Date.parse(interval.to);
    for (let t = Date.parse(interval.from); t < end; t += STEP_MS) {
      const { day, hour } = wallClock(t, zone);
      if (day >= 0) grid[day][hour] = Math.min(1, grid[day][hour] + 0.25);
    }
  }
  return grid;
}

export const viewerZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;
