import type { FlagAction, FlagKind, FlagSubjectType } from './flag-kinds';

/** What the moderation module announces to other modules (see platform/events). */
export interface ModerationEvents {
  /** Staff resolved a flag, inside that transaction (audited there; a WARN mails the person from there). */
  'flag.resolved': {
    flagId: string;
    kind: FlagKind;
    subjectType: FlagSubjectType;
    subjectId: string;
    personId: string | null;
    action: FlagAction;
    note: string;
    staffId: string;
  };
}
