import { Group, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { TrafficChart } from './TrafficChart';

const SECONDS = ['60', '120', '300', '900'];

/** Live decisions per rule and second, cluster-wide, refreshed every second. */
export function TrafficPage() {
  const [rule, setRule] = useState<string | null>(null);
  const [seconds, setSeconds] = useState('120');
  const traffic = useQuery({
    queryKey: ['traffic', seconds],
    refetchInterval: 1000,
    queryFn: () =>
      unwrap(api.GET('/api/v1/traffic', { params: { query: { seconds: Number(seconds) } } })),
  });
  const series = traffic.data?.series ?? [];
  const shown = series.find((s) => s.rule === rule) ?? series[0];
  const total = (key: 'allowed' | 'rejected' | 'degraded') =>
    shown?.points.reduce((n, p) => n + p[key], 0) ?? 0;

  return (
    <Stack>
      <Title order={2}>Live traffic</Title>
      <Group align="end">
        <Select
          label="Rule"
          placeholder="busiest"
          data={series.map((s) => s.rule)}
          value={shown?.rule ?? null}
          onChange={setRule}
          searchable
        />
        <Select
          label="Last seconds"
          data={SECONDS}
          value={seconds}
          onChange={(v) => v && setSeconds(v)}
          allowDeselect={false}
        />
        <Text size="sm" c="dimmed" data-testid="traffic-totals">
          {shown
            ? `${shown.rule}: ${total('allowed')} allowed, ${total('rejected')} rejected, ${total('degraded')} degraded`
            : 'No decisions in this range'}
        </Text>
      </Group>
      <ErrorAlert error={traffic.error} />
      <TrafficChart points={shown?.points ?? []} />
      <Title order={4}>Top rules by rejections</Title>
      <Table striped data-testid="top-rejections">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Rule</Table.Th>
            <Table.Th>Rejected</Table.Th>
            <Table.Th>Degraded</Table.Th>
            <Table.Th>Circuit open</Table.Th>
            <Table.Th>Allowed</Table.Th>
            <Table.Th>Shadow would reject</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {traffic.data?.top.map((t) => (
            <Table.Tr key={t.rule} data-rule={t.rule}>
              <Table.Td>
                <code>{t.rule}</code>
              </Table.Td>
              <Table.Td>{t.rejected}</Table.Td>
              <Table.Td>{t.degraded}</Table.Td>
              <Table.Td>{t.circuitOpen}</Table.Td>
              <Table.Td>{t.allowed}</Table.Td>
              <Table.Td>{t.shadowWouldReject}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
