import type { Role } from '../../platform/auth';

/** What the users module announces to other modules (see platform/events). */
export interface UsersEvents {
  /** An admin changed a person's role, inside that transaction (the audit log records it there). */
  'user.roleChanged': { userId: string; from: Role; to: Role; adminId: string };
  /**
   * An admin suspended an account, inside that transaction (audited there). Once committed,
   * every instance is told (pub/sub) to refuse its tokens and close its sockets.
   */
  'user.suspended': { userId: string; adminId: string; reason: string; until: Date | null };
  'user.reinstated': { userId: string; adminId: string };
}
