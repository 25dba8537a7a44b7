import type { SosRow } from './sos.repository';
import { OPEN_STATUSES, SosStatus } from './types/sos-enums';

/** What people do to an SOS, named as the error says it ("cannot be accepted"). */
export type SosAction = 'accepted' | 'marked arrived' | 'resolved' | 'cancelled' | 'rated' | 'reassigned';

/** The states each action may start from. Matching moves PENDING and MATCHING on by itself (see isStepDue). */
const ALLOWED_FROM: Record<SosAction, readonly SosStatus[]> = {
  accepted: [SosStatus.PENDING, SosStatus.MATCHING],
  'marked arrived': [SosStatus.ACCEPTED],
  // An escalated SOS has no volunteer: staff (or the requester) close it.
  resolved: [SosStatus.ACCEPTED, SosStatus.ARRIVED, SosStatus.ESCALATED],
  cancelled: OPEN_STATUSES,
  // Staff take it from its volunteer, or try again after an escalation.
  reassigned: OPEN_STATUSES,
  rated: [SosStatus.RESOLVED],
};

export function allows(status: SosStatus, action: SosAction): boolean {
  return ALLOWED_FROM[action].includes(status);
}

/** A matching step may run this much before its due time (timers and clocks are not exact). */
export const STEP_EARLY_MS = 1000;

/** Whether the SOS's next matching step is due: it is still being matched and its time has come. */
export function isStepDue(sos: Pick<SosRow, 'status' | 'nextStepAt'>, now: number): boolean {
  return (sos.status === SosStatus.PENDING || sos.status === SosStatus.MATCHING) && sos.nextStepAt !== null && sos.nextStepAt.getTime() <= now + STEP_EARLY_MS;
}
