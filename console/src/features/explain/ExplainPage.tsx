import { Alert, Badge, Button, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { FormEvent, useState } from 'react';
import { api, fieldErrors, unwrap } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';

interface Question {
  department: string;
  grade: string;
  resource: string;
  /** datetime-local value, on the viewer's clock; empty: now. */
  at: string;
}

/** The explain endpoint, readable: which rule governs a request and why each other does not. */
export function ExplainPage() {
  const [q, setQ] = useState<Question>({ department: '', grade: '', resource: '', at: '' });
  const explain = useMutation({
    mutationFn: (question: Question) =>
      unwrap(
        api.GET('/api/v1/explain', {
          params: {
            query: {
              department: question.department,
              grade: question.grade,
              resource: question.resource || undefined,
              at: question.at ? new Date(question.at).toISOString() : undefined,
            },
          },
        }),
      ),
  });
  const errors = fieldErrors(explain.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    explain.mutate(q);
  };
  const input = (name: keyof Question, label: string, type = 'text') => (
    <TextInput
      label={label}
      name={name}
      type={type}
      value={q[name]}
      error={errors[name]}
      onChange={(e) => setQ({ ...q, [name]: e.currentTarget.value })}
    />
  );
  const answer = explain.data;

  return (
    <Stack>
      <Title order={2}>Explain</Title>
      <form onSubmit={submit} aria-label="Explain a request">
        <Group align="start">
          {input('department', 'Department')}
          {input('grade', 'Grade')}
          {input('resource', 'Resource (optional)')}
          {input('at', 'At (your time; empty: now)', 'datetime-local')}
          <Button type="submit" mt={25}>
            Explain
          </Button>
        </Group>
      </form>
      {Object.keys(errors).length === 0 && <ErrorAlert error={explain.error} />}
      {answer && (
        <Stack data-testid="explanation">
          <Alert color={answer.governing ? 'blue' : 'gray'} title={answer.outcome}>
            {answer.governing ? (
              <Text>
                <code>
                  {answer.governing.department}/{answer.governing.grade}/{answer.governing.window}
                </code>{' '}
                governs at {new Date(answer.at).toLocaleString()}: {answer.governing.limit.qps} qps
                ({answer.governing.limit.algorithm}), over the limit: {answer.governing.onExceed}
                {answer.coreResource && ' — this resource is a core resource and keeps passing'}.
              </Text>
            ) : (
              <Text>No enabled, active rule matches: the decision is NO_RULE.</Text>
            )}
          </Alert>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Candidate</Table.Th>
                <Table.Th>Specificity</Table.Th>
                <Table.Th>Window (priority)</Table.Th>
                <Table.Th>Rule priority</Table.Th>
                <Table.Th>Why</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {answer.candidates.map((c) => (
                <Table.Tr key={c.key} fw={c.governing ? 700 : undefined}>
                  <Table.Td>
                    <code>{c.key}</code> {c.governing && <Badge>governs</Badge>}
                  </Table.Td>
                  <Table.Td>{c.specificity}</Table.Td>
                  <Table.Td>
                    {c.window} ({c.windowPriority}) {c.active ? '' : '— inactive'}
                  </Table.Td>
                  <Table.Td>{c.rulePriority}</Table.Td>
                  <Table.Td>{c.note}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      )}
    </Stack>
  );
}
