import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Schemas, api, ifMatch, unwrap } from '../../api/client';

export type TimeWindow = Schemas['WindowView'];
export type WindowSpec = Schemas['WindowSpecDto'];
export type WindowPreview = Schemas['WindowPreviewView'];

export function useWindows() {
  return useQuery({ queryKey: ['windows'], queryFn: () => unwrap(api.GET('/api/v1/windows')) });
}

/** A week of when the (unsaved) window is active, computed by the service's own domain code. */
export function usePreview(spec: WindowSpec | undefined) {
  return useQuery({
    queryKey: ['window-preview', spec],
    enabled: spec !== undefined,
    queryFn: () => unwrap(api.POST('/api/v1/windows/preview', { body: spec! })),
  });
}

export function useSaveWindow() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({
      name,
      spec,
      revision,
    }: {
      name: string;
      spec: WindowSpec;
      revision?: number;
    }) =>
      revision === undefined
        ? unwrap(api.POST('/api/v1/windows', { body: { name, ...spec } }))
        : unwrap(
            api.PUT('/api/v1/windows/{name}', {
              params: { path: { name }, header: { 'If-Match': ifMatch(revision) } },
              body: spec,
            }),
          ),
    onSuccess: () => client.invalidateQueries({ queryKey: ['windows'] }),
  });
}

export function useDeleteWindow() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (w: TimeWindow) =>
      unwrap(
        api.DELETE('/api/v1/windows/{name}', {
          params: { path: { name: w.name }, header: { 'If-Match': ifMatch(w.revision) } },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: ['windows'] }),
  });
}
