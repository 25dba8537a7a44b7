/** What the presence module announces to other modules (see platform/events). */
export interface PresenceEvents {
  /** A user came online (their first socket on any instance) or went offline (their last one closed). */
  'presence.changed': { userId: string; online: boolean; at: Date };
}
