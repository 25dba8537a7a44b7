/** What the auth module announces to other modules (see platform/events). */
export interface AuthEvents {
  /**
   * A person asked to reset their password, inside that transaction: the notifications module
   * mails them the token (only its hash is kept here).
   */
  'auth.passwordResetRequested': { userId: string; token: string };
}
