/** What the privacy module announces to other modules (see platform/events). */
export interface PrivacyEvents {
  /**
   * A person deleted their account, inside that transaction (audited there). Once committed, every
   * instance forgets the account and closes its sockets, and its volunteer leaves the live index.
   */
  'account.deleted': { userId: string; volunteerId: string | null };
}
