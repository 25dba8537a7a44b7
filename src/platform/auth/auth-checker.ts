import type { AuthCheckerFn } from 'type-graphql';
import type { Context } from './context';
import type { Role } from './roles';
import { forbidden, unauthenticated } from '../errors';

/**
 * The one auth checker behind every `@Authorized(...)`. Without roles, a verified access token is
 * enough: no database read, which keeps hot paths such as `updateLocation` cheap. With roles,
 * the role is read fresh from the database, so a demoted account loses staff rights at once, not
 * when its token expires. Anonymous -> UNAUTHENTICATED, wrong role -> FORBIDDEN.
 */
export const authChecker: AuthCheckerFn<Context, Role> = async ({ context }, roles) => {
  if (!context.tokenUserId) throw unauthenticated();
  if (roles.length === 0) return true;
  const viewer = await context.viewer();
  if (!viewer) throw unauthenticated();
  if (!roles.includes(viewer.role)) throw forbidden(`Only ${roles.join(' or ')} may do this`);
  return true;
};
