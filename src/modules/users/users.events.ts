import type { Role } from '../../platform/auth';

/** What the users module announces to other modules (see platform/events). */
export interface UsersEvents {
  /** An admin changed a person's role, inside that transaction (the audit log records it there). */
  'user.roleChanged': { userId: string; from: Role; to: Role; adminId: string };
}
