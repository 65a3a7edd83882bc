import { useEffect, useState } from 'react';
import type { Role } from '../api/client';

export interface RouteDef {
  path: string;
  label: string;
  /** The least role that may see the page. */
  role: Role;
}

/** The console's pages, in menu order. Hash routes: nothing but the page name is in the URL. */
export const ROUTES: RouteDef[] = [
  { path: 'rules', label: 'Rules', role: 'viewer' },
  { path: 'windows', label: 'Windows', role: 'viewer' },
  { path: 'schedule', label: 'Schedule', role: 'viewer' },
  { path: 'explain', label: 'Explain', role: 'viewer' },
  { path: 'traffic', label: 'Live traffic', role: 'viewer' },
  { path: 'breakers', label: 'Breakers', role: 'viewer' },
  { path: 'audit', label: 'Audit', role: 'admin' },
  { path: 'transfer', label: 'Import / export', role: 'viewer' },
];

const RANK: Record<Role, number> = { viewer: 1, editor: 2, admin: 3 };

/** Whether a role may do what needs `needed` (admin ⊇ editor ⊇ viewer, as on the server). */
export const can = (role: Role | undefined, needed: Role): boolean =>
  role !== undefined && RANK[role] >= RANK[needed];

const current = () => window.location.hash.replace(/^#\/?/, '') || 'rules';

export function useRoute(): [string, (path: string) => void] {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const onChange = () => setRoute(current());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return [route, (path: string) => (window.location.hash = `/${path}`)];
}
