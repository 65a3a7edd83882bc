import { useQuery } from '@tanstack/react-query';
import { Schemas, api, unwrap } from '../../api/client';

export type ScheduleView = Schemas['ScheduleView'];
export type ScheduleLane = Schemas['ScheduleLaneView'];
export interface Scope {
  department?: string;
  grade?: string;
}

export function useSchedule(scope: Scope) {
  return useQuery({
    queryKey: ['schedule', scope],
    queryFn: () => unwrap(api.GET('/api/v1/schedule', { params: { query: scope } })),
  });
}

export function useTransitions(scope: Scope, limit = 12) {
  return useQuery({
    queryKey: ['transitions', scope, limit],
    queryFn: () =>
      unwrap(api.GET('/api/v1/schedule/transitions', { params: { query: { ...scope, limit } } })),
  });
}
