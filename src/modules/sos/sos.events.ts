import type { AlertRow } from './sos-alerts.repository';
import type { SosEventRow, SosRow } from './sos.repository';

/** A committed change of an SOS: the events it appended to the timeline and the offers it made or closed. */
export interface SosChange {
  events: SosEventRow[];
  alerts: AlertRow[];
  /** The SOS as committed, when the change had it at hand (matching does): alerts then travel with it. */
  sos?: SosRow;
  /** Volunteer id -> their account, for the alerted volunteers the change knew (matching does): listeners need not look them up. */
  volunteerUsers?: ReadonlyMap<string, string>;
}

/** What the SOS module announces to other modules (see platform/events). */
export interface SosEvents {
  /**
   * Every change of an SOS: inside its transaction (the outbox writes its notifications there) and
   * once committed (its subscribers are told). A raise without review flags is one statement, its
   * own transaction: its CREATED change, for which nothing is written with it, is told once committed only.
   */
  'sos.changed': SosChange;
  /**
   * A volunteer took on an SOS (accepted) or left it (closed, dropped), inside that transaction
   * and again once committed: the volunteers module records it, then mirrors it into the live index.
   */
  'sos.assignmentChanged': { volunteerId: string; assignment: { sosId: string; requesterId: string } | null };
  /** A volunteer accepted, inside that transaction: the chat module opens the conversation. */
  'sos.accepted': { sosId: string; requesterId: string; volunteerId: string; volunteerUserId: string };
  /**
   * An assigned volunteer was taken off the SOS (silent, or suspended): inside that transaction
   * they leave the conversation; once committed the SOS is matched again.
   */
  'sos.volunteerDropped': { sosId: string; volunteerId: string; volunteerUserId: string };
  /** Staff called an SOS off, inside that transaction (the audit log records it there). */
  'sos.cancelledByStaff': { sosId: string; staffId: string; reason: string };
  /**
   * Staff took an SOS from its volunteer (droppedVolunteerId) to match it again, or offered it to
   * a volunteer they chose (offeredVolunteerId), inside that transaction (audited there).
   */
  'sos.reassigned': { sosId: string; staffId: string; droppedVolunteerId: string | null; offeredVolunteerId: string | null; reason: string | null };
  /** Staff wrote a note on an SOS, inside that transaction. */
  'sos.noteAdded': { sosId: string; noteId: string; staffId: string };
  /** Staff were shown an SOS's exact location (no transaction: a read). The audit log records it, once per while. */
  'sos.exactLocationRead': { sosId: string; staffId: string };
}
