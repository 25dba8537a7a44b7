import { topic } from '../../platform/pubsub';

/** What the users module publishes across instances (see src/app/suspensions.ts). */
export const usersTopics = {
  /** An admin suspended an account (no key: every instance must hear it). */
  suspended: topic<{ userId: string }>('account:suspended'),
};
