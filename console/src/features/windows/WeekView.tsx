import { Box, Group, Stack, Text, Tooltip } from '@mantine/core';
import { weekGrid } from './week-grid';

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** A week of hour cells on one zone's wall clock, shaded by how much of each hour is active. */
export function WeekView({
  intervals,
  zone,
  title,
}: {
  intervals: { from: string; to: string }[];
  zone: string;
  title: string;
}) {
  const grid = weekGrid(intervals, zone);
  const activeHours = grid.flat().reduce((n, v) => n + v, 0);
  return (
    <Stack gap={4} data-testid={`week-${title}`} data-zone={zone}>
      <Text fw={600} size="sm">
        {title}: {zone} ({activeHours} h active)
      </Text>
      <Group gap={2} wrap="nowrap" align="start" role="grid" aria-label={`${title} week, ${zone}`}>
        <Stack gap={0}>
          <Box h={18} />
          {Array.from({ length: 24 }, (_, h) => (
            <Text key={h} size="9px" h={12} lh="12px" c="dimmed" w={22}>
              {h % 3 === 0 ? `${String(h).padStart(2, '0')}` : ''}
            </Text>
          ))}
        </Stack>
        {grid.map((hours, d) => (
          <Stack key={d} gap={0} role="row">
            <Text size="xs" h={18} ta="center">
              {DAYS[d]}
            </Text>
            {hours.map((v, h) => (
              <Tooltip
                key={h}
                label={`${DAYS[d]} ${String(h).padStart(2, '0')}:00 — ${v * 100}%`}
                openDelay={300}
              >
                <Box
                  role="gridcell"
                  data-day={DAYS[d]}
                  data-hour={h}
                  data-active={v > 0 ? 'yes' : 'no'}
                  w={30}
                  h={12}
                  style={{
                    borderBottom: '1px solid var(--mantine-color-gray-2)',
                    background:
                      v > 0
                        ? `rgba(34, 139, 230, ${0.25 + 0.75 * v})`
                        : 'var(--mantine-color-gray-0)',
                  }}
                />
              </Tooltip>
            ))}
          </Stack>
        ))}
      </Group>
    </Stack>
  );
}
