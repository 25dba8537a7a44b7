import { registerEnumType } from 'type-graphql';

/** What an audit entry records. Staff actions and security events; more come with each operator tool. */
export enum AuditKind {
  ROLE_CHANGED = 'ROLE_CHANGED',
  ACCOUNT_SUSPENDED = 'ACCOUNT_SUSPENDED',
  ACCOUNT_REINSTATED = 'ACCOUNT_REINSTATED',
  VOLUNTEER_VERIFIED = 'VOLUNTEER_VERIFIED',
  VOLUNTEER_REJECTED = 'VOLUNTEER_REJECTED',
  REFRESH_TOKEN_REUSED = 'REFRESH_TOKEN_REUSED',
  SOS_CANCELLED_BY_STAFF = 'SOS_CANCELLED_BY_STAFF',
  SOS_NOTE_ADDED = 'SOS_NOTE_ADDED',
  SOS_REASSIGNED = 'SOS_REASSIGNED',
  EXACT_LOCATION_READ = 'EXACT_LOCATION_READ',
  LOGIN_LOCKED_OUT = 'LOGIN_LOCKED_OUT',
  FLAG_RESOLVED = 'FLAG_RESOLVED',
  ACCOUNT_DELETED = 'ACCOUNT_DELETED',
  STAFF_CITY_ASSIGNED = 'STAFF_CITY_ASSIGNED',
  STAFF_CITY_REMOVED = 'STAFF_CITY_REMOVED',
}

/** What an entry is about. */
export enum AuditSubjectType {
  USER = 'USER',
  VOLUNTEER = 'VOLUNTEER',
  SOS = 'SOS',
}

registerEnumType(AuditKind, {
  name: 'AuditKind',
  description:
    'ROLE_CHANGED: an admin changed a role (details: from, to). ACCOUNT_SUSPENDED (details: reason, until) / ACCOUNT_REINSTATED: an admin suspended or reinstated an account. VOLUNTEER_VERIFIED / VOLUNTEER_REJECTED: an admin decided on a volunteer (details: reason). REFRESH_TOKEN_REUSED: a refresh token was presented twice and its sign-in revoked (no actor; details: revoked). SOS_CANCELLED_BY_STAFF (details: reason) / SOS_NOTE_ADDED (details: noteId) / SOS_REASSIGNED (details: droppedVolunteerId, offeredVolunteerId, reason): staff acted on an SOS. EXACT_LOCATION_READ: staff were shown an SOS\'s exact location, or an admin a volunteer\'s stored one (once per 10 minutes per person and subject). LOGIN_LOCKED_OUT: failed sign-ins locked an account out (no actor; details: clientIp, retryAfterSeconds). FLAG_RESOLVED: staff resolved a review flag (subject: the flag\'s subject; details: flagId, kind, action, note, personId). ACCOUNT_DELETED: a person deleted their own account (actor and subject: its former id, which no longer names anyone). STAFF_CITY_ASSIGNED / STAFF_CITY_REMOVED: an admin scoped a staff member to a city or took it from them (details: cityId).',
});
registerEnumType(AuditSubjectType, { name: 'AuditSubjectType' });
