import {
  ActionIcon,
  Button,
  Checkbox,
  Group,
  NumberInput,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { FormEvent, useState } from 'react';
import { fieldErrors } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useCan } from '../session/role';
import { WeekView } from './WeekView';
import { viewerZone } from './week-grid';
import { TimeWindow, WindowSpec, usePreview, useSaveWindow } from './windows.api';

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

type Values = Required<WindowSpec> & { name: string };

const valuesOf = (w?: TimeWindow): Values => ({
  name: w?.name ?? '',
  timezone: w?.timezone ?? viewerZone(),
  dateRanges: w?.dateRanges ?? [],
  daysOfWeek: w?.daysOfWeek ?? [1, 2, 3, 4, 5],
  timeRanges: w?.timeRanges ?? [{ start: '08:00', end: '12:00' }],
  priority: w?.priority ?? 0,
  description: w?.description ?? '',
});

/**
 * A window's schedule, with its week previewed as the service computes it: on the window
 * zone's wall clock and on the viewer's, side by side.
 */
export function WindowEditor({ window, onSaved }: { window?: TimeWindow; onSaved: () => void }) {
  const [values, setValues] = useState(() => valuesOf(window));
  const { name, ...spec } = values;
  const [debounced] = useDebouncedValue(spec, 300);
  const preview = usePreview(debounced);
  const save = useSaveWindow();
  const canEdit = useCan('editor') && window?.name !== 'any';
  const errors = { ...fieldErrors(save.error), ...fieldErrors(preview.error) };
  const set = (patch: Partial<Values>) => setValues({ ...values, ...patch });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate({ name, spec, revision: window?.revision }, { onSuccess: onSaved });
  };

  return (
    <form onSubmit={submit} aria-label={window ? `Window ${window.name}` : 'New window'}>
      <Stack>
        <SimpleGrid cols={4}>
          <TextInput
            label="Name"
            name="name"
            value={name}
            disabled={window !== undefined}
            error={errors.name}
            onChange={(e) => set({ name: e.currentTarget.value })}
          />
          <TextInput
            label="Time zone (IANA)"
            name="timezone"
            value={values.timezone}
            error={errors.timezone}
            onChange={(e) => set({ timezone: e.currentTarget.value })}
          />
          <NumberInput
            label="Priority"
            name="priority"
            value={values.priority}
            error={errors.priority}
            onChange={(v) => set({ priority: Number(v) })}
          />
          <TextInput
            label="Description"
            name="description"
            value={values.description}
            onChange={(e) => set({ description: e.currentTarget.value })}
          />
        </SimpleGrid>
        <Checkbox.Group
          label="Days of week (none: every day)"
          value={values.daysOfWeek.map(String)}
          onChange={(v) => set({ daysOfWeek: v.map(Number).sort() })}
        >
          <Group mt={4}>
            {DAYS.map((d, i) => (
              <Checkbox key={d} value={String(i + 1)} label={d} />
            ))}
          </Group>
        </Checkbox.Group>
        <RangeRows
          title="Time ranges (start inclusive, end exclusive; an end before the start crosses midnight)"
          label="Range"
          addLabel="Add time range"
          field="timeRanges"
          keys={['start', 'end']}
          placeholder="HH:MM"
          rows={values.timeRanges}
          fresh={{ start: '09:00', end: '17:00' }}
          errors={errors}
          onChange={(timeRanges) => set({ timeRanges })}
        />
        <RangeRows
          title="Date ranges (whole local days, both included; none: any date)"
          label="Dates"
          addLabel="Add date range"
          field="dateRanges"
          keys={['from', 'to']}
          placeholder="YYYY-MM-DD"
          rows={values.dateRanges}
          fresh={{ from: '2026-09-01', to: '2027-01-15' }}
          errors={errors}
          onChange={(dateRanges) => set({ dateRanges })}
        />
        <ErrorAlert error={preview.error} title="Preview" />
        {preview.data && (
          <Group align="start" gap="xl" data-testid="window-preview">
            <WeekView
              intervals={preview.data.intervals}
              zone={preview.data.timezone}
              title="window"
            />
            <WeekView intervals={preview.data.intervals} zone={viewerZone()} title="yours" />
          </Group>
        )}
        <ErrorAlert error={Object.keys(fieldErrors(save.error)).length ? undefined : save.error} />
        {canEdit && (
          <Group justify="flex-end">
            <Button type="submit" loading={save.isPending}>
              {window ? 'Save window' : 'Create window'}
            </Button>
          </Group>
        )}
      </Stack>
    </form>
  );
}

interface RangeRowsProps<K extends string> {
  title: string;
  /** "Range" → inputs labelled "Range 1 start", "Range 1 end", … */
  label: string;
  addLabel: string;
  /** The API field, so a 400 line (`timeRanges.0.end must be …`) lands on its input. */
  field: string;
  keys: [K, K];
  placeholder: string;
  rows: Record<K, string>[];
  fresh: Record<K, string>;
  errors: Record<string, string>;
  onChange: (rows: Record<K, string>[]) => void;
}

/** A list of two-ended ranges (times or dates), each row editable and removable. */
function RangeRows<K extends string>(props: RangeRowsProps<K>) {
  const { title, label, addLabel, field, keys, placeholder, rows, fresh, errors, onChange } = props;
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500}>
        {title}
      </Text>
      {rows.map((row, i) => (
        <Group key={i} align="end">
          {keys.map((k) => (
            <TextInput
              key={k}
              label={`${label} ${i + 1} ${k}`}
              name={`${field}.${i}.${k}`}
              placeholder={placeholder}
              w={130}
              value={row[k]}
              error={errors[`${field}.${i}.${k}`]}
              onChange={(e) => {
                const value = e.currentTarget.value;
                onChange(rows.map((x, j) => (j === i ? { ...x, [k]: value } : x)));
              }}
            />
          ))}
          <ActionIcon
            variant="subtle"
            color="red"
            aria-label={`Remove ${label.toLowerCase()} ${i + 1}`}
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
          >
            ×
          </ActionIcon>
        </Group>
      ))}
      <Button variant="light" size="xs" w="fit-content" onClick={() => onChange([...rows, fresh])}>
        {addLabel}
      </Button>
    </Stack>
  );
}
