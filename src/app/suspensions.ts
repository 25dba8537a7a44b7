import type { EventBus } from '../platform/events';
import type { Logger } from '../platform/logger';
import { RESYNC, type Feed, type PubSub } from '../platform/pubsub';
import type { PrivacyEvents } from '../modules/privacy';
import { usersTopics, type UsersEvents, type UsersService } from '../modules/users';
import type { AccountLost } from './context';

/** How far back a catch-up looks before the last message heard: clocks and commits are not exact. */
const CATCH_UP_MARGIN_MS = 5000;
const RETRY_LISTEN_MS = 1000;

/**
 * A suspension (or an account's deletion) reaches every instance at once: where an admin suspends an account, it is
 * published once committed, and each instance then forgets the account (its next request reads
 * it afresh and is refused) and closes its sockets (4403). Pub/sub may lose the message (it was
 * down, or this instance was not listening yet): each time the instance (re)starts listening it
 * looks up, in PostgreSQL, the accounts suspended since it last heard.
 */
export function propagateSuspensions(deps: {
  events: EventBus<UsersEvents & PrivacyEvents>;
  pubsub: PubSub;
  users: UsersService;
  logger: Logger;
  /** Whether Redis answers now: while it does not, no subscription is attempted (they would pile up in its client). */
  redisReady(): boolean;
  /** What an instance does with a suspended or deleted account. */
  apply(userId: string, standing: AccountLost): void;
}): { close(): void } {
  const { events, pubsub, users, logger, apply } = deps;
  events.on('user.suspended', ({ userId }) => pubsub.publish(usersTopics.suspended, null, { userId }));
  // A deletion is not looked up after a gap (the row is gone): each instance re-reads an account it knows within a minute anyway.
  events.on('account.deleted', ({ userId }) => pubsub.publish(usersTopics.suspended, null, { userId, gone: true }));

  let closed = false;
  let feed: Feed<{ userId: string; gone?: boolean }> | undefined;
  let heardAt = Date.now();
  const catchUp = async () => {
    const lookedAt = Date.now();
    const suspended = await users.suspendedSince(new Date(heardAt - CATCH_UP_MARGIN_MS));
    // Only now: should PostgreSQL not answer, the next catch-up looks as far back again.
    heardAt = lookedAt;
    for (const userId of suspended) apply(userId, 'suspended');
  };

  const pause = () => new Promise((resolve) => setTimeout(resolve, RETRY_LISTEN_MS).unref());
  void (async () => {
    while (!closed) {
      if (!deps.redisReady()) {
        await pause();
        continue;
      }
      try {
        feed = await pubsub.listen(usersTopics.suspended, null);
        if (closed) break;
        await catchUp();
        for await (const message of feed) {
          if (message === RESYNC) await catchUp();
          else {
            heardAt = Date.now();
            apply(message.userId, message.gone ? 'gone' : 'suspended');
          }
        }
      } catch (err) {
        feed?.close();
        if (closed) break;
        logger.warn({ err: { message: (err as Error).message } }, 'not hearing of suspensions; retrying');
        await pause();
      }
    }
    feed?.close();
  })();

  return {
    close: () => {
      closed = true;
      feed?.close();
    },
  };
}
