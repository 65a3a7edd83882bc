import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, tokenStore, unwrap } from '../../api/client';

/** Who the stored token is (GET /session); disabled while there is no token. */
export function useSession(token: string | null) {
  return useQuery({
    queryKey: ['session', token],
    enabled: token !== null,
    staleTime: Infinity,
    queryFn: () => unwrap(api.GET('/api/v1/session')),
  });
}

export function useSignOut(onSignedOut: () => void) {
  const client = useQueryClient();
  return () => {
    tokenStore.clear();
    client.clear();
    onSignedOut();
  };
}
