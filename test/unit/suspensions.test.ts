import { propagateSuspensions } from '../../src/app/suspensions';
import { createLogger } from '../../src/platform/logger';
import { RESYNC, type Feed, type PubSub } from '../../src/platform/pubsub';
import type { UsersService } from '../../src/modules/users';
import type { EventBus } from '../../src/platform/events';
import type { UsersEvents } from '../../src/modules/users';
import type { PrivacyEvents } from '../../src/modules/privacy';
import { eventually } from '../helpers/wait';

type Message = { userId: string; gone?: boolean } | typeof RESYNC;

/** A feed the test pushes messages into. */
function controllableFeed() {
  const queued: Message[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  const feed = {
    close: () => {
      closed = true;
      wake?.();
    },
    async next(): Promise<IteratorResult<Message>> {
      while (queued.length === 0 && !closed) await new Promise<void>((resolve) => (wake = resolve));
      return queued.length > 0 ? { done: false, value: queued.shift()! } : { done: true, value: undefined };
    },
    async return(): Promise<IteratorResult<Message>> {
      feed.close();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => feed,
  };
  return { feed: feed as unknown as Feed<{ userId: string; gone?: boolean }>, push: (m: Message) => (queued.push(m), wake?.()), isClosed: () => closed };
}

describe('propagateSuspensions', () => {
  it('applies what pub/sub says (suspended or gone) and what PostgreSQL says after a gap, and looks as far back again when PostgreSQL did not answer', async () => {
    const feeds: ReturnType<typeof controllableFeed>[] = [];
    // Subscribing takes a while, so a catch-up that marked its time before looking would look from later.
    const listen = async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return feeds[feeds.push(controllableFeed()) - 1].feed;
    };
    const pubsub = { publish: async () => undefined, listen } as unknown as PubSub;
    const lookups: Date[] = [];
    const users = {
      suspendedSince: async (since: Date) => {
        lookups.push(since);
        if (lookups.length === 1) throw new Error('PostgreSQL is down');
        return lookups.length === 2 ? ['from-the-database'] : [];
      },
    } as unknown as UsersService;
    const applied: string[] = [];
    const standings: string[] = [];
    const propagation = propagateSuspensions({
      events: { on: () => undefined } as unknown as EventBus<UsersEvents & PrivacyEvents>,
      pubsub,
      users,
      logger: createLogger('silent'),
      redisReady: () => true,
      apply: (userId, standing) => (applied.push(userId), standings.push(standing)),
    });
    try {
      // The first catch-up failed: its feed is dropped, and the retry looks back from the same point.
      await eventually(async () => lookups.length, (n) => n >= 2, 3000);
      expect(lookups[1]).toEqual(lookups[0]);
      expect(feeds[0].isClosed()).toBe(true);
      expect(applied).toEqual(['from-the-database']);

      feeds[1].push({ userId: 'from-pub-sub' });
      feeds[1].push({ userId: 'deleted', gone: true });
      await eventually(async () => applied, (a) => a.includes('deleted'));
      expect(standings).toEqual(['suspended', 'suspended', 'gone']);
      feeds[1].push(RESYNC);
      await eventually(async () => lookups.length, (n) => n === 3);
      expect(lookups[2].getTime()).toBeGreaterThan(lookups[1].getTime());
    } finally {
      propagation.close();
    }
    expect(feeds[1].isClosed()).toBe(true);
  });
});
