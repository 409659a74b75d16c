/**
 * Who may do what: the role order of VRTSat principals (admin > operator > viewer). Shared by
 * the broker and by every xprtld that checks a route's role.
 */
import type { Role } from '../../api/contract';

export const ROLE_RANK: Readonly<Record<Role, number>> = { viewer: 1, operator: 2, admin: 3 };

export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLE_RANK[have] >= ROLE_RANK[need];
}

export function isRole(x: unknown): x is Role {
  return x === 'admin' || x === 'operator' || x === 'viewer';
}
