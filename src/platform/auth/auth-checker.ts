import type { AuthCheckerFn } from 'type-graphql';
import type { Context } from './context';
import type { Role } from './roles';
import { unauthenticated } from '../errors';

/**
 * The one auth checker behind every `@Authorized(...)`: anonymous -> UNAUTHENTICATED, wrong role
 * -> false (type-graphql answers FORBIDDEN). Roles are read fresh from the database each request,
 * so a demoted account loses its rights at once, not when its token expires.
 */
export const authChecker: AuthCheckerFn<Context, Role> = async ({ context }, roles) => {
  const viewer = await context.viewer();
  if (!viewer) throw unauthenticated();
  return roles.length === 0 || roles.includes(viewer.role);
};
