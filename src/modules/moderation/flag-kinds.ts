import { registerEnumType } from 'type-graphql';

/** Why something is up for review. Each is raised by the module that notices it. */
export enum FlagKind {
  SPOOFED_LOCATION = 'SPOOFED_LOCATION',
  FAKE_SOS_REPORTS = 'FAKE_SOS_REPORTS',
  CANCELLATIONS = 'CANCELLATIONS',
  DISCONNECTIONS = 'DISCONNECTIONS',
  SUSPENDED_ACCOUNT_SOS = 'SUSPENDED_ACCOUNT_SOS',
}

/** What a flag is about. */
export enum FlagSubjectType {
  USER = 'USER',
  VOLUNTEER = 'VOLUNTEER',
  SOS = 'SOS',
}

export enum FlagState {
  OPEN = 'OPEN',
  CLEARED = 'CLEARED',
  ACTIONED = 'ACTIONED',
}

/** What staff decide on an open flag. */
export enum FlagAction {
  CLEAR = 'CLEAR',
  WARN = 'WARN',
  SUSPEND = 'SUSPEND',
}

/** A line of a flag's history. */
export enum FlagEventType {
  OPENED = 'OPENED',
  RAISED_AGAIN = 'RAISED_AGAIN',
  CLEARED = 'CLEARED',
  WARNED = 'WARNED',
  SUSPENDED = 'SUSPENDED',
}

registerEnumType(FlagKind, {
  name: 'FlagKind',
  description:
    'SPOOFED_LOCATION: an SOS claimed a place far from where its IP address is (evidence: reason). FAKE_SOS_REPORTS: several volunteers reported a person\'s SOS as not real (evidence: sosId, reporters, reasons). CANCELLATIONS: a person cancels most of their SOS (evidence: cancelled, total). DISCONNECTIONS: a volunteer was dropped from SOS for silence repeatedly (evidence: sosId, dropsIn30Days). SUSPENDED_ACCOUNT_SOS: an SOS raised from a suspended account went to staff (evidence: reason).',
});
registerEnumType(FlagSubjectType, { name: 'FlagSubjectType' });
registerEnumType(FlagState, { name: 'FlagState', description: 'OPEN until staff resolve it: CLEARED (nothing to act on) or ACTIONED (warned or suspended).' });
registerEnumType(FlagAction, {
  name: 'FlagAction',
  description: 'CLEAR: nothing wrong. WARN: the person is mailed the note as a warning. SUSPEND (ADMIN only): the person concerned is suspended (as suspendUser) with the note as reason.',
});
registerEnumType(FlagEventType, { name: 'FlagEventType' });
