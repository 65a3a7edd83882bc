import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Schemas, api, ifMatch, unwrap } from '../../api/client';

export type Rule = Schemas['RuleView'];
export type RuleBody = Schemas['RuleBodyDto'];
export type RuleId = Pick<Rule, 'department' | 'grade' | 'window'>;
export interface RuleFilter {
  department?: string;
  grade?: string;
  window?: string;
}

export const ruleKey = (r: RuleId): string => `${r.department}/${r.grade}/${r.window}`;
const path = (id: RuleId) => ({
  path: { department: id.department, grade: id.grade, window: id.window },
});

export function useRules(filter: RuleFilter, offset: number, limit: number) {
  return useQuery({
    queryKey: ['rules', filter, offset, limit],
    queryFn: () =>
      unwrap(api.GET('/api/v1/rules', { params: { query: { ...filter, offset, limit } } })),
  });
}

export const fetchRule = (id: RuleId): Promise<Rule> =>
  unwrap(api.GET('/api/v1/rules/{department}/{grade}/{window}', { params: path(id) }));

/** Create (no revision) or replace (If-Match on the revision the form was loaded at). */
export function useSaveRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body, revision }: { id: RuleId; body: RuleBody; revision?: number }) =>
      revision === undefined
        ? unwrap(api.POST('/api/v1/rules', { body: { ...id, ...body } }))
        : unwrap(
            api.PUT('/api/v1/rules/{department}/{grade}/{window}', {
              params: { ...path(id), header: { 'If-Match': ifMatch(revision) } },
              body,
            }),
          ),
    onSuccess: () => client.invalidateQueries({ queryKey: ['rules'] }),
  });
}

export function useDeleteRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (rule: Rule) =>
      unwrap(
        api.DELETE('/api/v1/rules/{department}/{grade}/{window}', {
          params: { ...path(rule), header: { 'If-Match': ifMatch(rule.revision) } },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: ['rules'] }),
  });
}

export function useWindowNames() {
  return useQuery({
    queryKey: ['windows'],
    queryFn: () => unwrap(api.GET('/api/v1/windows')),
    select: (data) => data.items.map((w) => w.name),
  });
}
