import {
  Alert,
  Button,
  Fieldset,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  TagsInput,
  TextInput,
} from '@mantine/core';
import { FormEvent, useState } from 'react';
import { ApiError, fieldErrors } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { JsonDiff } from '../../components/JsonDiff';
import { RuleFormValues, bodyOf, formOf, valueAt, withValue } from './rule-form';
import { Rule, fetchRule, useSaveRule, useWindowNames } from './rules.api';

const ALGORITHMS = ['sliding_window', 'sliding_window_counter', 'fixed_window', 'token_bucket'];

interface Props {
  initial: RuleFormValues;
  /** The revision the form was loaded at; undefined for a new rule. */
  revision?: number;
  onSaved: (rule: Rule) => void;
  onCancel: () => void;
}

/**
 * Create or edit a rule, every field of it. A 400 puts each line on its field; a 409 on edit
 * shows who changed the rule meanwhile and how it differs, and reapplies on the new revision.
 */
export function RuleForm({ initial, revision: loadedAt, onSaved, onCancel }: Props) {
  const [values, setValues] = useState(initial);
  const [revision, setRevision] = useState(loadedAt);
  const [conflict, setConflict] = useState<Rule>();
  const save = useSaveRule();
  const windows = useWindowNames();
  const editing = loadedAt !== undefined;
  const errors = fieldErrors(save.error);

  const send = async (at: number | undefined) => {
    setConflict(undefined);
    try {
      onSaved(await save.mutateAsync({ id: values, body: bodyOf(values), revision: at }));
    } catch (error) {
      if (editing && error instanceof ApiError && error.status === 409)
        setConflict(await fetchRule(values));
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void send(revision);
  };

  const field = (path: string) => ({
    name: path,
    error: errors[path],
  });
  const num = (path: string, label: string, props: { step?: number; min?: number } = {}) => (
    <NumberInput
      label={label}
      {...field(path)}
      {...props}
      value={valueAt(values, path) as number}
      onChange={(v) => setValues(withValue(values, path, typeof v === 'number' ? v : Number(v)))}
    />
  );
  const text = (path: string, label: string, disabled = false) => (
    <TextInput
      label={label}
      {...field(path)}
      disabled={disabled}
      value={valueAt(values, path) as string}
      onChange={(e) => setValues(withValue(values, path, e.currentTarget.value))}
    />
  );
  const choice = (path: string, label: string, data: string[], disabled = false) => (
    <Select
      label={label}
      {...field(path)}
      data={data}
      disabled={disabled}
      allowDeselect={false}
      value={valueAt(values, path) as string}
      onChange={(v) => v && setValues(withValue(values, path, v))}
    />
  );
  const toggle = (path: string, label: string) => (
    <Switch
      label={label}
      {...field(path)}
      checked={valueAt(values, path) as boolean}
      onChange={(e) => setValues(withValue(values, path, e.currentTarget.checked))}
    />
  );
  const unplaced = Object.entries(errors).filter(([path]) => valueAt(values, path) === undefined);

  return (
    <form onSubmit={submit} aria-label={editing ? 'Edit rule' : 'New rule'}>
      <Stack>
        {conflict && (
          <Alert
            color="orange"
            title="This rule changed meanwhile"
            role="alert"
            data-testid="conflict"
          >
            Changed by {conflict.updatedBy} at {new Date(conflict.updatedAt).toLocaleString()} —
            review the difference and reapply.
            <JsonDiff
              before={formOf(conflict)}
              after={values}
              labels={['now stored', 'your edit']}
            />
            <Group mt="sm">
              <Button
                onClick={() => {
                  setRevision(conflict.revision);
                  void send(conflict.revision);
                }}
              >
                Reapply my edit on revision {conflict.revision}
              </Button>
              <Button variant="default" onClick={() => setValues(formOf(conflict))}>
                Take theirs
              </Button>
            </Group>
          </Alert>
        )}
        <SimpleGrid cols={3}>
          {text('department', 'Department', editing)}
          {text('grade', 'Grade', editing)}
          {choice('window', 'Window', windows.data ?? ['any'], editing)}
        </SimpleGrid>
        <Fieldset legend="Limit">
          <SimpleGrid cols={3}>
            {num('limit.qps', 'QPS', { step: 1, min: 0 })}
            {num('limit.burst', 'Burst', { min: 1 })}
            {num('limit.windowMs', 'Window (ms)', { min: 10 })}
            {choice('limit.algorithm', 'Algorithm', ALGORITHMS)}
            {choice('limit.per', 'Count per', ['scope', 'client'])}
            {choice('onExceed', 'Over the limit', ['reject', 'degrade'])}
          </SimpleGrid>
        </Fieldset>
        <TagsInput
          label="Core resources (pass under degrade)"
          {...field('coreResources')}
          value={values.coreResources}
          onChange={(v) => setValues({ ...values, coreResources: v })}
        />
        <Fieldset legend="Circuit breaker">
          <Stack>
            {toggle('breaker.enabled', 'Breaker enabled')}
            <SimpleGrid cols={4}>
              {num('breaker.statWindowMs', 'Stat window (ms)')}
              {num('breaker.minRequests', 'Min requests')}
              {num('breaker.errorRateThreshold', 'Error rate', { step: 0.05 })}
              {num('breaker.slowCallMs', 'Slow call (ms)')}
              {num('breaker.slowCallRateThreshold', 'Slow call rate', { step: 0.01 })}
              {num('breaker.openMs', 'Open for (ms)')}
              {num('breaker.halfOpenMaxCalls', 'Half-open probes')}
            </SimpleGrid>
          </Stack>
        </Fieldset>
        <SimpleGrid cols={3}>
          {choice('failMode', 'When Redis is down', ['open', 'closed'])}
          {num('priority', 'Priority')}
          {text('description', 'Description')}
        </SimpleGrid>
        <Group>
          {toggle('enabled', 'Enabled')}
          {toggle('shadow', 'Shadow (count, always allow)')}
        </Group>
        {unplaced.length > 0 && <ErrorAlert error={save.error} />}
        {save.error instanceof ApiError && save.error.status !== 400 && !conflict && (
          <ErrorAlert error={save.error} />
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            {editing ? 'Save' : 'Create'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
