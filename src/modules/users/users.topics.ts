import { topic } from '../../platform/pubsub';

/** What the users module publishes across instances (see src/app/suspensions.ts). */
export const usersTopics = {
  /** An admin suspended an account, or (gone) its person deleted it (no key: every instance must hear it). */
  suspended: topic<{ userId: string; gone?: boolean }>('account:suspended'),
};
