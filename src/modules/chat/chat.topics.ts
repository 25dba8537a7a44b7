import { topic } from '../../platform/pubsub';
import type { ActivityRow } from './chat.activity';
import type { MessageRow } from './chat.repository';

/** What the chat module publishes across instances, keyed by conversation id. */
export const chatTopics = {
  /** Each message as it is stored (subscribers replay the rest from PostgreSQL). */
  messages: topic<MessageRow>('chat', ['createdAt']),
  /** Typing, read receipts, online/offline: never stored. */
  activity: topic<ActivityRow>('chat-activity', ['at']),
};
