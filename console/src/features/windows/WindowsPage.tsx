import { Button, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { ConfirmButton } from '../../components/ConfirmButton';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useCan } from '../session/role';
import { WindowEditor } from './WindowEditor';
import { TimeWindow, useDeleteWindow, useWindows } from './windows.api';

const DAYS = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

const describe = (w: TimeWindow): string =>
  [
    w.daysOfWeek.length ? w.daysOfWeek.map((d) => DAYS[d]).join(' ') : 'every day',
    w.timeRanges.length ? w.timeRanges.map((r) => `${r.start}–${r.end}`).join(', ') : 'all day',
    ...w.dateRanges.map((r) => `${r.from} → ${r.to}`),
  ].join(' · ');

export function WindowsPage() {
  const windows = useWindows();
  const remove = useDeleteWindow();
  const canEdit = useCan('editor');
  const [selected, setSelected] = useState<{ window?: TimeWindow } | undefined>();

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Time windows</Title>
        {canEdit && <Button onClick={() => setSelected({})}>New window</Button>}
      </Group>
      <ErrorAlert error={windows.error ?? remove.error} />
      <Table striped data-testid="windows-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Window</Table.Th>
            <Table.Th>Time zone</Table.Th>
            <Table.Th>Schedule</Table.Th>
            <Table.Th>Priority</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {windows.data?.items.map((w) => (
            <Table.Tr key={w.name} data-window={w.name}>
              <Table.Td>
                <code>{w.name}</code>
                <Text size="xs" c="dimmed">
                  {w.description}
                </Text>
              </Table.Td>
              <Table.Td>{w.timezone}</Table.Td>
              <Table.Td>{describe(w)}</Table.Td>
              <Table.Td>{w.priority}</Table.Td>
              <Table.Td>
                <Group gap="xs" wrap="nowrap">
                  <Button size="xs" variant="light" onClick={() => setSelected({ window: w })}>
                    {canEdit && w.name !== 'any' ? 'Edit' : 'Preview'}
                  </Button>
                  {canEdit && w.name !== 'any' && (
                    <ConfirmButton
                      size="xs"
                      variant="light"
                      question={`Delete window ${w.name}?`}
                      details="Refused (409) while a rule uses it."
                      confirmLabel="Delete"
                      onConfirm={() => remove.mutate(w)}
                    >
                      Delete
                    </ConfirmButton>
                  )}
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {selected && (
        <Card withBorder>
          <WindowEditor
            key={selected.window?.name ?? '(new)'}
            window={selected.window}
            onSaved={() => setSelected(undefined)}
          />
        </Card>
      )}
    </Stack>
  );
}
