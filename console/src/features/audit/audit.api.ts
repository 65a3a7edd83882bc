import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { ApiError, Schemas, api, ifMatch, unwrap } from '../../api/client';

export type AuditRecord = Schemas['AuditRecordView'];
type AuditPage = Schemas['AuditPageView'];

export function useAudit() {
  return useInfiniteQuery({
    queryKey: ['audit'],
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page: AuditPage) => page.next,
    queryFn: ({ pageParam }): Promise<AuditPage> =>
      unwrap(api.GET('/api/v1/audit', { params: { query: { limit: 25, before: pageParam } } })),
  });
}

/** The key's value now and its revision ("0" stands for absent), for the restore guard. */
export async function currentOf(key: string): Promise<{ current: unknown; revision: number }> {
  try {
    const [kind, ...rest] = key.split('/');
    const value =
      kind === 'rules'
        ? await unwrap(
            api.GET('/api/v1/rules/{department}/{grade}/{window}', {
              params: { path: { department: rest[0], grade: rest[1], window: rest[2] } },
            }),
          )
        : await unwrap(api.GET('/api/v1/windows/{name}', { params: { path: { name: rest[0] } } }));
    return { current: value, revision: value.revision };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return { current: null, revision: 0 };
    throw error;
  }
}

export function useRestore() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ record, revision }: { record: AuditRecord; revision: number }) =>
      unwrap(
        api.POST('/api/v1/audit/{id}/restore', {
          params: { path: { id: record.id }, header: { 'If-Match': ifMatch(revision) } },
        }),
      ),
    onSuccess: () => client.invalidateQueries(),
  });
}

/** Restore applies to rules and windows; imports and breaker modes are set elsewhere. */
export const restorable = (r: AuditRecord): boolean =>
  r.key.startsWith('rules/') || r.key.startsWith('windows/');
