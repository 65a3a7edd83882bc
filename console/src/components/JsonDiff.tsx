import { Table, Text } from '@mantine/core';

type Flat = Map<string, string>;

/** `{limit: {qps: 80}}` → `limit.qps → 80`: leaves by path, so two values compare line by line. */
function flatten(value: unknown, path = '', out: Flat = new Map()): Flat {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, path ? `${path}.${k}` : k, out);
    if (Object.keys(value).length === 0 && path) out.set(path, '{}');
  } else if (path || value !== null) out.set(path || '(value)', JSON.stringify(value));
  return out;
}

/** Fields that always differ between two writes and say nothing about the change. */
const NOISE = new Set(['revision', 'createdAt', 'updatedAt', 'updatedBy']);

/** The fields that differ between two values, before on the left, after on the right. */
export function JsonDiff({
  before,
  after,
  labels = ['before', 'after'],
  showServerFields = false,
}: {
  before: unknown;
  after: unknown;
  labels?: [string, string];
  showServerFields?: boolean;
}) {
  const a = flatten(before);
  const b = flatten(after);
  const paths = [...new Set([...a.keys(), ...b.keys()])]
    .filter((p) => showServerFields || !NOISE.has(p))
    .filter((p) => a.get(p) !== b.get(p))
    .sort();
  if (!paths.length) return <Text size="sm">No differences.</Text>;
  return (
    <Table striped withTableBorder data-testid="diff">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>field</Table.Th>
          <Table.Th>{labels[0]}</Table.Th>
          <Table.Th>{labels[1]}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {paths.map((p) => (
          <Table.Tr key={p}>
            <Table.Td>
              <code>{p}</code>
            </Table.Td>
            <Table.Td c="red.8">{a.get(p) ?? '—'}</Table.Td>
            <Table.Td c="green.8">{b.get(p) ?? '—'}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
