import { createContext, useContext } from 'react';
import type { Role } from '../../api/client';
import { can } from '../../app/routes';

export const RoleContext = createContext<Role>('viewer');

/** Whether the signed-in role may do what needs `needed`: pages hide what it may not. */
export function useCan(needed: Role): boolean {
  return can(useContext(RoleContext), needed);
}
