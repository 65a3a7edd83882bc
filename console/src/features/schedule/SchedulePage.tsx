import { Button, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { FormEvent, useState } from 'react';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Timeline } from './Timeline';
import { Scope, useSchedule, useTransitions } from './schedule.api';

/**
 * Which rule and qps govern when, for the next 7 days: one department/grade, or every scope a
 * rule is written for. Computed by the service from the windows (zones, DST, midnight).
 */
export function SchedulePage() {
  const [draft, setDraft] = useState<Scope>({});
  const [scope, setScope] = useState<Scope>({});
  const schedule = useSchedule(scope);
  const transitions = useTransitions(scope);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setScope({ department: draft.department || undefined, grade: draft.grade || undefined });
  };

  return (
    <Stack>
      <Title order={2}>Schedule</Title>
      <form onSubmit={submit} aria-label="Scope">
        <Group align="end">
          <TextInput
            label="Department"
            name="department"
            placeholder="all"
            value={draft.department ?? ''}
            onChange={(e) => setDraft({ ...draft, department: e.currentTarget.value.trim() })}
          />
          <TextInput
            label="Grade"
            name="grade"
            placeholder="all"
            value={draft.grade ?? ''}
            onChange={(e) => setDraft({ ...draft, grade: e.currentTarget.value.trim() })}
          />
          <Button type="submit">Show</Button>
        </Group>
      </form>
      <ErrorAlert error={schedule.error ?? transitions.error} />
      {schedule.data && (
        <>
          <Text size="sm" c="dimmed">
            {new Date(schedule.data.from).toLocaleString()} →{' '}
            {new Date(schedule.data.to).toLocaleString()} (your time), rules revision{' '}
            {schedule.data.rulesRevision}
            {schedule.data.truncated &&
              ' — only the first 100 scopes; narrow by department or grade'}
          </Text>
          <Timeline lanes={schedule.data.lanes} from={schedule.data.from} to={schedule.data.to} />
        </>
      )}
      <Title order={4}>Next transitions</Title>
      <Table striped data-testid="transitions">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When (your time)</Table.Th>
            <Table.Th>Scope</Table.Th>
            <Table.Th>From</Table.Th>
            <Table.Th>To</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {transitions.data?.items.map((t) => (
            <Table.Tr key={`${t.at}-${t.department}/${t.grade}`}>
              <Table.Td>{new Date(t.at).toLocaleString()}</Table.Td>
              <Table.Td>
                <code>
                  {t.department}/{t.grade}
                </code>
              </Table.Td>
              <Table.Td>{t.from ? `${t.from.key} (${t.from.qps} qps)` : 'no rule'}</Table.Td>
              <Table.Td>{t.to ? `${t.to.key} (${t.to.qps} qps)` : 'no rule'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
