import { Badge, Button, FileInput, Group, List, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Schemas, api, unwrap } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { JsonDiff } from '../../components/JsonDiff';
import { useCan } from '../session/role';

type ImportDocument = Schemas['ImportDocumentDto'];
type Report = Schemas['ImportReportView'];

/** Entries of an export or import document by their etcd key, for the dry run's diff. */
function byKey(doc: {
  windows?: { name: string }[];
  rules?: { department: string; grade: string; window: string }[];
}) {
  const out = new Map<string, unknown>();
  for (const w of doc.windows ?? []) out.set(`windows/${w.name}`, w);
  for (const r of doc.rules ?? []) out.set(`rules/${r.department}/${r.grade}/${r.window}`, r);
  return out;
}

function download(doc: unknown) {
  const url = URL.createObjectURL(
    new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }),
  );
  const a = document.createElement('a');
  a.href = url;
  a.download = `rule-center-export-${new Date().toISOString().slice(0, 19)}.json`;
  a.click();
  URL.revokeObjectURL(url);
}

/** Export every window and rule; import a file: dry run first, shown as a diff, then apply. */
export function TransferPage() {
  const client = useQueryClient();
  const canImport = useCan('admin');
  const [doc, setDoc] = useState<ImportDocument>();
  const [readError, setReadError] = useState<string>();
  const current = useQuery({
    queryKey: ['export'],
    queryFn: () => unwrap(api.GET('/api/v1/export')),
  });
  const run = useMutation({
    mutationFn: ({ body, dryRun }: { body: ImportDocument; dryRun: boolean }) =>
      unwrap(
        api.POST('/api/v1/import', {
          params: { query: { dryRun: dryRun ? 'true' : 'false' } },
          body,
        }),
      ),
    onSuccess: (report) => {
      if (!report.dryRun) void client.invalidateQueries();
    },
  });
  const report: Report | undefined = run.data;

  const load = async (file: File | null) => {
    setDoc(undefined);
    setReadError(undefined);
    run.reset();
    if (!file) return;
    try {
      const parsed = JSON.parse(await file.text()) as ImportDocument;
      setDoc(parsed);
      run.mutate({ body: parsed, dryRun: true });
    } catch (error) {
      setReadError(`${file.name} is not JSON: ${String(error)}`);
    }
  };

  const before = current.data ? byKey(current.data) : new Map<string, unknown>();
  const after = doc ? byKey(doc) : new Map<string, unknown>();

  return (
    <Stack>
      <Title order={2}>Import / export</Title>
      <Group>
        <Button
          variant="light"
          disabled={!current.data}
          onClick={() => current.data && download(current.data)}
        >
          Download export
        </Button>
        {current.data && (
          <Text size="sm" c="dimmed">
            {current.data.windows.length} windows, {current.data.rules.length} rules at revision{' '}
            {current.data.revision}
          </Text>
        )}
      </Group>
      {canImport && (
        <FileInput
          label="Import a file (an export document); a dry run shows what would change"
          name="import-file"
          accept="application/json,.json"
          clearable
          onChange={(file) => void load(file)}
        />
      )}
      {readError && <ErrorAlert error={readError} />}
      <ErrorAlert error={run.error} />
      {report && (
        <Stack data-testid="import-report">
          <Group>
            <Badge color={report.dryRun ? 'yellow' : 'green'}>
              {report.dryRun ? 'dry run' : 'applied'}
            </Badge>
            <Text size="sm">
              {report.created.length} created, {report.updated.length} updated,{' '}
              {report.unchanged.length} unchanged, {report.skipped.length} skipped (revision{' '}
              {report.revision})
            </Text>
          </Group>
          {report.created.length > 0 && (
            <>
              <Text fw={600}>Created</Text>
              <List size="sm" data-testid="created">
                {report.created.map((k) => (
                  <List.Item key={k}>
                    <code>{k}</code>
                  </List.Item>
                ))}
              </List>
            </>
          )}
          {report.updated.map((k) => (
            <Stack key={k} gap={4} data-updated={k}>
              <Text fw={600}>
                Updated <code>{k}</code>
              </Text>
              <JsonDiff
                before={before.get(k)}
                after={after.get(k)}
                labels={['now', 'from the file']}
              />
            </Stack>
          ))}
          {report.dryRun && doc && (report.created.length > 0 || report.updated.length > 0) && (
            <Button
              w="fit-content"
              onClick={() => run.mutate({ body: doc, dryRun: false })}
              loading={run.isPending}
            >
              Apply import
            </Button>
          )}
        </Stack>
      )}
    </Stack>
  );
}
