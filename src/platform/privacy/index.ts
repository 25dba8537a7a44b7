import type { Queryable } from '../db';

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
  /**
   * This module's section of `exportMyData` (JSON-ready), or null when it holds nothing of the
   * person; read through `db` (the read replica when it is up to date).
   */
  exportOf(userId: string, db: Queryable): Promise<unknown>;
  /** Removes or coarsens what is past retention; how many rows of each kind it changed. */
  purge?(cutoffs: RetentionCutoffs): Promise<Record<string, number>>;
}

/** Rows one purge statement changes at most: each stays short, well under the statement timeout and out of the SOS path's way. */
export const PURGE_BATCH = 5000;

/**
 * Runs a purge (given the most rows it may change, it says how many it did) until a batch is not
 * full: a backlog (the first run on a database with years of data, or after instances were down)
 * is worked off in many short statements instead of one that would run into the timeout forever.
 */
export async function inBatches(purge: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const changed = await purge(PURGE_BATCH);
    total += changed;
    if (changed < PURGE_BATCH) return total;
  }
}
