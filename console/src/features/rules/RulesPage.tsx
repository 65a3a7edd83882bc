import {
  Badge,
  Button,
  Group,
  Modal,
  Pagination,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { ConfirmButton } from '../../components/ConfirmButton';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useCan } from '../session/role';
import { RuleForm } from './RuleForm';
import { NEW_RULE, RuleFormValues, formOf } from './rule-form';
import { Rule, RuleFilter, ruleKey, useDeleteRule, useRules } from './rules.api';

const PAGE = 20;

export function RulesPage() {
  const [filter, setFilter] = useState<RuleFilter>({});
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<{ values: RuleFormValues; revision?: number }>();
  const rules = useRules(filter, (page - 1) * PAGE, PAGE);
  const remove = useDeleteRule();
  const canEdit = useCan('editor');

  const filterInput = (name: keyof RuleFilter, label: string) => (
    <TextInput
      label={label}
      name={`filter-${name}`}
      placeholder="any"
      value={filter[name] ?? ''}
      onChange={(e) => {
        setPage(1);
        setFilter({ ...filter, [name]: e.currentTarget.value.trim() || undefined });
      }}
    />
  );

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Rules</Title>
        {canEdit && <Button onClick={() => setEditing({ values: NEW_RULE })}>New rule</Button>}
      </Group>
      <Group align="end" role="search">
        {filterInput('department', 'Department')}
        {filterInput('grade', 'Grade')}
        {filterInput('window', 'Window')}
      </Group>
      <ErrorAlert error={rules.error ?? remove.error} />
      <Table striped highlightOnHover data-testid="rules-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Rule</Table.Th>
            <Table.Th>Limit</Table.Th>
            <Table.Th>Algorithm</Table.Th>
            <Table.Th>Over limit</Table.Th>
            <Table.Th>State</Table.Th>
            <Table.Th>Updated</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rules.data?.items.map((rule: Rule) => (
            <Table.Tr key={ruleKey(rule)} data-rule={ruleKey(rule)}>
              <Table.Td>
                <code>{ruleKey(rule)}</code>
                {rule.description && (
                  <Text size="xs" c="dimmed">
                    {rule.description}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                {rule.limit.qps} qps{rule.limit.per === 'client' ? ' per client' : ''}
              </Table.Td>
              <Table.Td>{rule.limit.algorithm}</Table.Td>
              <Table.Td>{rule.onExceed}</Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {!rule.enabled && <Badge color="gray">disabled</Badge>}
                  {rule.shadow && <Badge color="violet">shadow</Badge>}
                  {rule.breaker.enabled && <Badge color="orange">breaker</Badge>}
                </Group>
              </Table.Td>
              <Table.Td>
                <Text size="xs">
                  {rule.updatedBy}, {new Date(rule.updatedAt).toLocaleString()}
                </Text>
              </Table.Td>
              <Table.Td>
                {canEdit && (
                  <Group gap="xs" wrap="nowrap">
                    <Button
                      size="xs"
                      variant="light"
                      aria-label={`Edit ${ruleKey(rule)}`}
                      onClick={() => setEditing({ values: formOf(rule), revision: rule.revision })}
                    >
                      Edit
                    </Button>
                    <ConfirmButton
                      size="xs"
                      variant="light"
                      color="red"
                      aria-label={`Delete ${ruleKey(rule)}`}
                      question={`Delete rule ${ruleKey(rule)}?`}
                      details="Requests it governs fall to the next matching rule at once."
                      confirmLabel="Delete"
                      onConfirm={() => remove.mutate(rule)}
                    >
                      Delete
                    </ConfirmButton>
                  </Group>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {rules.data ? `${rules.data.total} rules, revision ${rules.data.revision}` : 'Loading…'}
        </Text>
        <Pagination
          total={Math.max(1, Math.ceil((rules.data?.total ?? 0) / PAGE))}
          value={page}
          onChange={setPage}
        />
      </Group>
      <Modal
        opened={editing !== undefined}
        onClose={() => setEditing(undefined)}
        title={
          editing?.revision === undefined
            ? 'New rule'
            : `Edit ${editing && ruleKey(editing.values)}`
        }
        size="xl"
      >
        {editing && (
          <RuleForm
            initial={editing.values}
            revision={editing.revision}
            onSaved={() => setEditing(undefined)}
            onCancel={() => setEditing(undefined)}
          />
        )}
      </Modal>
    </Stack>
  );
}
