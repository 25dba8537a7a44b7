import type { AuthCheckerFn } from 'type-graphql';
import type { Context } from './context';
import type { Role } from './roles';
import { forbidden, unauthenticated } from '../errors';

export const ACCOUNT_GONE = 'The account of this access token no longer exists';

/**
 * The one auth checker behind every `@Authorized(...)`. Without roles, a verified access token of
 * an account that still exists is enough (known per instance for a minute after any read of it,
 * so hot paths such as `updateLocation` seldom read the database). With roles, the role is read fresh from
 * the database, so a demoted account loses staff rights at once, not when its token expires.
 * Anonymous or a deleted account -> UNAUTHENTICATED, wrong role -> FORBIDDEN.
 */
export const authChecker: AuthCheckerFn<Context, Role> = async ({ context }, roles) => {
  if (!context.tokenUserId) throw unauthenticated();
  if (roles.length === 0) {
    if (!(await context.accountExists())) throw unauthenticated(ACCOUNT_GONE);
    return true;
  }
  const viewer = await context.viewer();
  if (!viewer) throw unauthenticated(ACCOUNT_GONE);
  if (!roles.includes(viewer.role)) throw forbidden(`Only ${roles.join(' or ')} may do this`);
  return true;
};
