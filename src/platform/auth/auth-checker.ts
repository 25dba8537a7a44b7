import type { AuthCheckerFn } from 'type-graphql';
import type { Context } from './context';
import type { Role } from './roles';
import { forbidden, unauthenticated } from '../errors';

/**
 * The one auth checker behind every `@Authorized(...)`: anonymous -> UNAUTHENTICATED, wrong role
 * -> FORBIDDEN. Roles are read fresh from the database each request, so a demoted account loses
 * its rights at once, not when its token expires.
 */
export const authChecker: AuthCheckerFn<Context, Role> = async ({ context }, roles) => {
  const viewer = await context.viewer();
  if (!viewer) throw unauthenticated();
  if (roles.length > 0 && !roles.includes(viewer.role)) throw forbidden(`Only ${roles.join(' or ')} may do this`);
  return true;
};
