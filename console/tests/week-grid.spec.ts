import { weekGrid } from '../src/features/windows/week-grid';

/** The console's only time arithmetic: placing the service's instants in hour cells of a zone. */
describe('weekGrid', () => {
  const friday22Shanghai = { from: '2026-11-20T14:00:00.000Z', to: '2026-11-20T18:00:00.000Z' };
  const active = (grid: number[][]) =>
    grid.flatMap((hours, d) => hours.flatMap((v, h) => (v ? [`${d}:${h}:${v}`] : [])));

  it('puts one stretch on each zone wall clock, across midnight where it falls', () => {
    expect(active(weekGrid([friday22Shanghai], 'Asia/Shanghai'))).toEqual([
      '4:22:1',
      '4:23:1',
      '5:0:1',
      '5:1:1',
    ]);
    expect(active(weekGrid([friday22Shanghai], 'Europe/Berlin'))).toEqual([
      '4:15:1',
      '4:16:1',
      '4:17:1',
      '4:18:1',
    ]);
  });

  it('shades a partly active hour by the quarters it covers', () => {
    const grid = weekGrid(
      [{ from: '2026-11-16T08:30:00.000Z', to: '2026-11-16T09:00:00.000Z' }],
      'UTC',
    );
    expect(active(grid)).toEqual(['0:8:0.5']);
  });
});
