/** What the auth module announces to other modules (see platform/events). */
export interface AuthEvents {
  /**
   * A person asked to reset their password, inside that transaction: the notifications module
   * mails them the token (only its hash is kept here).
   */
  'auth.passwordResetRequested': { userId: string; token: string };
  /**
   * A refresh token came back after it had been used: it was copied. Its whole sign-in was
   * revoked, inside that transaction (the audit log records it there).
   */
  'auth.refreshTokenReused': { userId: string; familyId: string; revoked: number };
  /** An account's sign-in was locked out: the first refused attempt of its window (no transaction; the audit log records it). */
  'auth.loginLockedOut': { userId: string; clientIp: string; retryAfterSeconds: number };
}
