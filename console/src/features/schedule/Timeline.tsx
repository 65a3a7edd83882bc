import { Box, Stack, Text, Tooltip } from '@mantine/core';
import { ScheduleLane } from './schedule.api';

const PALETTE = [
  '#228be6',
  '#40c057',
  '#fab005',
  '#be4bdb',
  '#fd7e14',
  '#15aabf',
  '#e64980',
  '#82c91e',
];

/** The same rule keeps its colour across lanes. */
const colourOf = (key: string): string =>
  PALETTE[[...key].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % PALETTE.length];

const when = (iso: string) =>
  new Date(iso).toLocaleString(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' });

/** Local midnights between two instants: the day ticks, on the viewer's clock. */
function midnights(from: number, to: number): number[] {
  const out: number[] = [];
  const d = new Date(from);
  d.setHours(24, 0, 0, 0);
  for (; d.getTime() < to; d.setDate(d.getDate() + 1)) out.push(d.getTime());
  return out;
}

/** One bar per scope over the range, a segment per governing rule (grey: no rule). */
export function Timeline({ lanes, from, to }: { lanes: ScheduleLane[]; from: string; to: string }) {
  const start = Date.parse(from);
  const span = Date.parse(to) - start;
  const pct = (iso: string | number) =>
    `${(((typeof iso === 'number' ? iso : Date.parse(iso)) - start) / span) * 100}%`;
  const ticks = midnights(start, start + span);
  return (
    <Stack gap="xs" data-testid="timeline">
      <Box pos="relative" h={18} ml={120}>
        {ticks.map((t) => (
          <Text key={t} size="xs" c="dimmed" pos="absolute" left={pct(t)}>
            {new Date(t).toLocaleDateString(undefined, { weekday: 'short', day: 'numeric' })}
          </Text>
        ))}
      </Box>
      {lanes.map((lane) => (
        <Box
          key={`${lane.department}/${lane.grade}`}
          style={{ display: 'flex', alignItems: 'center' }}
        >
          <Text w={120} size="sm" ff="monospace">
            {lane.department}/{lane.grade}
          </Text>
          <Box
            pos="relative"
            h={34}
            style={{ flex: 1, background: 'var(--mantine-color-gray-1)', borderRadius: 4 }}
            data-lane={`${lane.department}/${lane.grade}`}
          >
            {ticks.map((t) => (
              <Box key={t} pos="absolute" left={pct(t)} top={0} bottom={0} w={1} bg="gray.4" />
            ))}
            {lane.intervals.map((x) => (
              <Tooltip
                key={x.from}
                label={`${when(x.from)} → ${when(x.to)}: ${x.rule ? `${x.rule.key}, ${x.rule.qps} qps` : 'no rule'}`}
              >
                <Box
                  data-segment={x.rule?.key ?? 'none'}
                  data-from={x.from}
                  data-to={x.to}
                  pos="absolute"
                  top={2}
                  bottom={2}
                  left={pct(x.from)}
                  w={`${((Date.parse(x.to) - Date.parse(x.from)) / span) * 100}%`}
                  style={{
                    background: x.rule ? colourOf(x.rule.key) : 'var(--mantine-color-gray-3)',
                    borderRadius: 3,
                    overflow: 'hidden',
                    opacity: 0.85,
                  }}
                >
                  <Text size="xs" c="white" px={4} truncate>
                    {x.rule ? `${x.rule.key} · ${x.rule.qps} qps` : 'no rule'}
                  </Text>
                </Box>
              </Tooltip>
            ))}
          </Box>
        </Box>
      ))}
    </Stack>
  );
}
