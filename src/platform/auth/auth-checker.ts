import type { AuthCheckerFn } from 'type-graphql';
import type { Context } from './context';
import type { Role } from './roles';
import { AppError, forbidden, unauthenticated } from '../errors';

export const ACCOUNT_GONE = 'The account of this access token no longer exists';

/**
 * `@Authorized(EMERGENCY)`: any signed-in account, a suspended one too. Emergencies are never
 * blocked: a suspended person's SOS goes to staff.
 */
export const EMERGENCY = 'EMERGENCY';

/** What a suspended account gets for everything but an emergency (no client should retry it). */
export const accountSuspended = (): AppError => new AppError('FORBIDDEN', 'This account is suspended', { suspended: true });

/**
 * The one auth checker behind every `@Authorized(...)`. Without roles, a verified access token of
 * an account that still exists and is not suspended is enough (known per instance for a minute
 * after any read of it, so hot paths such as `updateLocation` seldom read the database). With
 * roles, the role is read fresh from the database, so a demoted account loses staff rights at
 * once, not when its token expires. Anonymous or a deleted account -> UNAUTHENTICATED; a
 * suspended account or the wrong role -> FORBIDDEN.
 */
export const authChecker: AuthCheckerFn<Context, Role | typeof EMERGENCY> = async ({ context }, roles) => {
  if (!context.tokenUserId) throw unauthenticated();
  const staffRoles = roles.filter((role) => role !== EMERGENCY);
  if (staffRoles.length === 0) {
    const standing = await context.accountStanding();
    if (standing === 'gone') throw unauthenticated(ACCOUNT_GONE);
    if (standing === 'suspended' && !roles.includes(EMERGENCY)) throw accountSuspended();
    return true;
  }
  const viewer = await context.viewer();
  if (!viewer) throw unauthenticated(ACCOUNT_GONE);
  if (viewer.suspended) throw accountSuspended();
  if (!staffRoles.includes(viewer.role)) throw forbidden(`Only ${staffRoles.join(' or ')} may do this`);
  return true;
};
