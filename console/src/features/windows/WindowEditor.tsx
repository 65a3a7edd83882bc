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
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            Time ranges (start inclusive, end exclusive; an end before the start crosses midnight)
          </Text>
          {values.timeRanges.map((r, i) => (
            <Group key={i} align="end">
              {(['start', 'end'] as const).map((k) => (
                <TextInput
                  key={k}
                  label={`Range ${i + 1} ${k}`}
                  name={`timeRanges.${i}.${k}`}
                  placeholder="HH:MM"
                  w={120}
                  value={r[k]}
                  error={errors[`timeRanges.${i}.${k}`]}
                  onChange={(e) => {
                    const timeRanges = values.timeRanges.map((x, j) =>
                      j === i ? { ...x, [k]: e.currentTarget.value } : x,
                    );
                    set({ timeRanges });
                  }}
                />
              ))}
              <ActionIcon
                variant="subtle"
                color="red"
                aria-label={`Remove range ${i + 1}`}
                onClick={() => set({ timeRanges: values.timeRanges.filter((_, j) => j !== i) })}
              >
                ×
              </ActionIcon>
            </Group>
          ))}
          <Button
            variant="light"
            size="xs"
            w="fit-content"
            onClick={() =>
              set({ timeRanges: [...values.timeRanges, { start: '09:00', end: '17:00' }] })
            }
          >
            Add time range
          </Button>
        </Stack>
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            Date ranges (whole local days, both included; none: any date)
          </Text>
          {values.dateRanges.map((r, i) => (
            <Group key={i} align="end">
              {(['from', 'to'] as const).map((k) => (
                <TextInput
                  key={k}
                  label={`Dates ${i + 1} ${k}`}
                  name={`dateRanges.${i}.${k}`}
                  placeholder="YYYY-MM-DD"
                  w={140}
                  value={r[k]}
                  error={errors[`dateRanges.${i}.${k}`]}
                  onChange={(e) => {
                    const dateRanges = values.dateRanges.map((x, j) =>
                      j === i ? { ...x, [k]: e.currentTarget.value } : x,
                    );
                    set({ dateRanges });
                  }}
                />
              ))}
              <ActionIcon
                variant="subtle"
                color="red"
                aria-label={`Remove dates ${i + 1}`}
                onClick={() => set({ dateRanges: values.dateRanges.filter((_, j) => j !== i) })}
              >
                ×
              </ActionIcon>
            </Group>
          ))}
          <Button
            variant="light"
            size="xs"
            w="fit-content"
            onClick={() =>
              set({ dateRanges: [...values.dateRanges, { from: '2026-09-01', to: '2027-01-15' }] })
            }
          >
            Add date range
          </Button>
        </Stack>
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
