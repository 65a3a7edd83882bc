import { Accordion, Badge, Button, Group, Modal, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { ErrorAlert } from '../../components/ErrorAlert';
import { JsonDiff } from '../../components/JsonDiff';
import { useCan } from '../session/role';
import { AuditRecord, currentOf, restorable, useAudit, useRestore } from './audit.api';

const COLOUR = { create: 'green', replace: 'blue', delete: 'red', import: 'grape' } as const;

interface Pending {
  record: AuditRecord;
  current: unknown;
  revision: number;
}

/** Every change, newest first, with what it changed; a record's before can be put back. */
export function AuditPage() {
  const audit = useAudit();
  const restore = useRestore();
  const canRestore = useCan('editor');
  const [pending, setPending] = useState<Pending>();
  const [loadError, setLoadError] = useState<unknown>();
  const records = audit.data?.pages.flatMap((p) => p.items) ?? [];

  const ask = async (record: AuditRecord) => {
    setLoadError(undefined);
    restore.reset();
    try {
      setPending({ record, ...(await currentOf(record.key)) });
    } catch (error) {
      setLoadError(error);
    }
  };

  return (
    <Stack>
      <Title order={2}>Audit</Title>
      <ErrorAlert error={audit.error ?? loadError ?? (pending ? undefined : restore.error)} />
      {restore.data && (
        <Text c="green.8" role="status">
          Restored {restore.data.key} ({restore.data.action}, revision {restore.data.revision}).
        </Text>
      )}
      <Accordion variant="separated" data-testid="audit-list">
        {records.map((r) => (
          <Accordion.Item key={r.id} value={r.id} data-audit={r.id} data-key={r.key}>
            <Accordion.Control>
              <Group>
                <Text size="sm" w={190}>
                  {new Date(r.at).toLocaleString()}
                </Text>
                <Badge color={COLOUR[r.action]}>{r.action}</Badge>
                <code>{r.key}</code>
                <Text size="sm" c="dimmed">
                  by {r.actor}
                </Text>
                {r.restoredFrom && <Badge variant="outline">restore of {r.restoredFrom}</Badge>}
              </Group>
            </Accordion.Control>
            <Accordion.Panel>
              <Stack>
                <JsonDiff before={r.before} after={r.after} />
                {canRestore && restorable(r) && (
                  <Button w="fit-content" variant="light" onClick={() => void ask(r)}>
                    {r.before === null ? 'Undo: delete it again' : 'Restore the before'}
                  </Button>
                )}
              </Stack>
            </Accordion.Panel>
          </Accordion.Item>
        ))}
      </Accordion>
      {audit.hasNextPage && (
        <Button
          variant="default"
          onClick={() => void audit.fetchNextPage()}
          loading={audit.isFetchingNextPage}
        >
          Older
        </Button>
      )}
      <Modal
        opened={pending !== undefined}
        onClose={() => setPending(undefined)}
        title={pending && `Restore ${pending.record.key}?`}
        size="xl"
      >
        {pending && (
          <Stack>
            <Text size="sm">
              {pending.record.before === null
                ? `The record created it; restoring deletes it (now at revision ${pending.revision}).`
                : `Puts back the value it had before ${pending.record.id}, as a new audited write guarded by revision ${pending.revision}.`}
            </Text>
            <JsonDiff
              before={pending.current}
              after={pending.record.before}
              labels={['now', 'after restore']}
            />
            <ErrorAlert error={restore.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setPending(undefined)}>
                Cancel
              </Button>
              <Button
                loading={restore.isPending}
                onClick={() =>
                  restore.mutate(
                    { record: pending.record, revision: pending.revision },
                    { onSuccess: () => setPending(undefined) },
                  )
                }
              >
                Restore
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}
