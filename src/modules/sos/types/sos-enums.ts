import { registerEnumType } from 'type-graphql';
import { AlertStatus, SosCategory, SosEventType, SosStatus } from '../../../platform/db';

export { AlertStatus, SosCategory, SosEventType, SosStatus };

registerEnumType(SosCategory, { name: 'SosCategory' });
registerEnumType(SosStatus, {
  name: 'SosStatus',
  description: 'PENDING: waiting to be (re)matched. MATCHING: alerts are out.\nESCALATED: no volunteer accepted within the largest radius; professionals and admins are alerted.',
});
registerEnumType(AlertStatus, { name: 'AlertStatus' });
registerEnumType(SosEventType, { name: 'SosEventType' });

/** States in which an SOS is still someone's emergency (at most one per requester). */
export const OPEN_STATUSES: readonly SosStatus[] = [SosStatus.PENDING, SosStatus.MATCHING, SosStatus.ACCEPTED, SosStatus.ARRIVED, SosStatus.ESCALATED];
