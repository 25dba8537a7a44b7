/** Before when each kind of personal data is past its retention (see RETENTION_* in the README). */
export interface RetentionCutoffs {
  /** Client IP addresses of SOS and of sign-ins (in the audit log). */
  clientIpBefore: Date;
  /** Exact locations of SOS closed before this: coarsened to about 1 km. */
  exactLocationBefore: Date;
  /** Volunteers' routes to SOS closed before this. */
  routeBefore: Date;
  /** Chat messages of SOS closed before this. */
  chatBefore: Date;
}

/**
 * What a module holds of people, for the privacy module: its section of a person's data export,
 * and the purge of what is past retention. Each module answers for its own tables.
 */
export interface PersonalData {
  /** This module's section of `exportMyData` (JSON-ready), or null when it holds nothing of the person. */
  exportOf(userId: string): Promise<unknown>;
  /** Removes or coarsens what is past retention; how many rows of each kind it changed. */
  purge?(cutoffs: RetentionCutoffs): Promise<Record<string, number>>;
}
