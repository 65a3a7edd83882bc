import { Badge, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Schemas, api, unwrap } from '../../api/client';
import { ConfirmButton } from '../../components/ConfirmButton';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useCan } from '../session/role';

type Breaker = Schemas['BreakerStateView'];
type Mode = Schemas['SetBreakerModeDto']['mode'];

const COLOUR = { CLOSED: 'green', OPEN: 'red', HALF_OPEN: 'orange' } as const;
const pct = (rate: number) => `${(rate * 100).toFixed(1)} %`;

/** Every rule with a breaker: live state and rates; admins force it open, closed or auto. */
export function BreakersPage() {
  const client = useQueryClient();
  const canForce = useCan('admin');
  const breakers = useQuery({
    queryKey: ['breakers'],
    refetchInterval: 2000,
    queryFn: () => unwrap(api.GET('/api/v1/breakers')),
  });
  const force = useMutation({
    mutationFn: ({ breaker, mode }: { breaker: Breaker; mode: Mode }) => {
      const [department, grade, window] = breaker.rule.split('/');
      return unwrap(
        api.POST('/api/v1/breakers/{department}/{grade}/{window}', {
          params: { path: { department, grade, window } },
          body: { mode },
        }),
      );
    },
    onSuccess: () => client.invalidateQueries({ queryKey: ['breakers'] }),
  });

  return (
    <Stack>
      <Title order={2}>Circuit breakers</Title>
      <ErrorAlert error={breakers.error ?? force.error} />
      <Table striped data-testid="breakers-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Rule</Table.Th>
            <Table.Th>State</Table.Th>
            <Table.Th>Mode</Table.Th>
            <Table.Th>Outcomes</Table.Th>
            <Table.Th>Error rate</Table.Th>
            <Table.Th>Slow rate</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {breakers.data?.items.map((b) => (
            <Table.Tr key={b.rule} data-rule={b.rule}>
              <Table.Td>
                <code>{b.rule}</code>
              </Table.Td>
              <Table.Td>
                <Badge color={COLOUR[b.state]} data-testid="state">
                  {b.state}
                </Badge>
              </Table.Td>
              <Table.Td>
                {b.mode}
                {b.override && (
                  <Text size="xs" c="dimmed">
                    by {b.override.by}, {new Date(b.override.at).toLocaleString()}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{b.window.total}</Table.Td>
              <Table.Td>
                {pct(b.window.errorRate)} / {pct(b.settings.errorRateThreshold)}
              </Table.Td>
              <Table.Td>
                {pct(b.window.slowRate)} / {pct(b.settings.slowCallRateThreshold)} over{' '}
                {b.settings.slowCallMs} ms
              </Table.Td>
              <Table.Td>
                {canForce && (
                  <Group gap="xs" wrap="nowrap">
                    {(['open', 'closed', 'auto'] as const)
                      .filter((mode) => mode !== b.mode)
                      .map((mode) => (
                        <ConfirmButton
                          key={mode}
                          size="xs"
                          variant="light"
                          color={mode === 'open' ? 'red' : mode === 'closed' ? 'green' : 'blue'}
                          question={`Force ${b.rule} ${mode === 'auto' ? 'back to auto' : mode}?`}
                          details={
                            mode === 'open'
                              ? 'Every request it governs is answered CIRCUIT_OPEN at once, on every instance.'
                              : mode === 'closed'
                                ? 'Requests pass whatever outcomes are reported, until set back to auto.'
                                : 'The breaker follows the reported outcomes again.'
                          }
                          confirmLabel={mode === 'auto' ? 'Set auto' : `Force ${mode}`}
                          onConfirm={() => force.mutate({ breaker: b, mode })}
                        >
                          {mode === 'auto' ? 'Auto' : `Force ${mode}`}
                        </ConfirmButton>
                      ))}
                  </Group>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
