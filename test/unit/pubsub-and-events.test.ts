import type { Sql } from '../../src/platform/db';
import { DomainEvents } from '../../src/platform/events';
import { createLogger } from '../../src/platform/logger';
import { replayThenLive, topic, type Feed } from '../../src/platform/pubsub';

describe('topic', () => {
  interface Payload {
    id: string;
    at: Date;
    closedAt: Date | null;
    sos?: { createdAt: Date; note: string };
    body: string;
  }
  const t = topic<Payload>('thing', ['at', 'closedAt', 'sos.createdAt']);

  it('names a channel per key, or the topic itself', () => {
    expect(t.channel('42')).toBe('thing:42');
    expect(t.channel(null)).toBe('thing');
  });

  it('turns the declared dates back into dates after the JSON trip, and nothing else', () => {
    const sent: Payload = { id: '1', at: new Date('2026-12-01T10:00:00.000Z'), closedAt: null, sos: { createdAt: new Date('2026-11-30T09:00:00.000Z'), note: 'x' }, body: '2026-12-01T10:00:00.000Z' };
    const received = t.decode(JSON.parse(JSON.stringify(sent)));
    expect(received).toEqual(sent);
    expect(received.at).toBeInstanceOf(Date);
    // A string that looks like a date but is not declared one (a chat message) stays a string.
    expect(typeof received.body).toBe('string');
    expect(t.decode(JSON.parse(JSON.stringify({ ...sent, sos: undefined }))).sos).toBeUndefined();
  });
});

/** A pool whose one connection records the statements it is sent. */
function fakePool(statements: string[]): Sql {
  const client = { query: async (text: string) => (statements.push(text), { rows: [] }), release: () => undefined, on: () => undefined, off: () => undefined };
  return { connect: async () => client } as unknown as Sql;
}

describe('DomainEvents', () => {
  type Events = { 'thing.happened': { n: number } };
  const logger = createLogger('silent');

  it('runs transaction listeners inside the transaction and the others after the commit, several per event', async () => {
    const statements: string[] = [];
    const events = new DomainEvents<Events>(logger);
    events.onTransaction('thing.happened', async ({ n }, tx) => void (await tx.query(`INSERT ${n}`)));
    events.on('thing.happened', ({ n }) => void statements.push(`after commit A ${n}`));
    events.on('thing.happened', ({ n }) => void statements.push(`after commit B ${n}`));
    const result = await events.transaction(fakePool(statements), async (tx, { emit }) => {
      await emit('thing.happened', { n: 1 });
      await tx.query('UPDATE');
      return 'done';
    });
    expect(result).toBe('done');
    expect(statements).toEqual(['BEGIN', 'INSERT 1', 'UPDATE', 'COMMIT', 'after commit A 1', 'after commit B 1']);
  });

  it('rolls back when a transaction listener fails, and tells nobody after', async () => {
    const statements: string[] = [];
    const events = new DomainEvents<Events>(logger);
    events.onTransaction('thing.happened', async () => {
      throw new Error('outbox full');
    });
    events.on('thing.happened', () => void statements.push('told'));
    await expect(events.transaction(fakePool(statements), async (_tx, { emit }) => emit('thing.happened', { n: 1 }))).rejects.toThrow('outbox full');
    expect(statements).toEqual(['BEGIN', 'ROLLBACK']);
  });

  it('keeps telling the other listeners when one fails after the commit', async () => {
    const told: number[] = [];
    const events = new DomainEvents<Events>(logger);
    events.on('thing.happened', () => {
      throw new Error('listener bug');
    });
    events.on('thing.happened', ({ n }) => void told.push(n));
    await events.emit('thing.happened', { n: 7 });
    expect(told).toEqual([7]);
  });
});

describe('replayThenLive', () => {
  interface Item {
    seq: number;
    last?: boolean;
  }
  /** A feed with items already buffered, as Redis would have delivered them during the replay. */
  function feedOf(items: Item[]): Feed<Item> & { closed: boolean } {
    const queue = [...items];
    const feed = {
      closed: false,
      close: () => void (feed.closed = true),
      next: async () => (queue.length > 0 && !feed.closed ? { done: false as const, value: queue.shift()! } : { done: true as const, value: undefined }),
      return: async () => (feed.close(), { done: true as const, value: undefined }),
      [Symbol.asyncIterator]: () => feed,
    };
    return feed;
  }
  const collect = async (stream: AsyncIterable<Item>) => {
    const out: number[] = [];
    for await (const item of stream) out.push(item.seq);
    return out;
  };
  const database = (upTo: number) => async (after: number) => Array.from({ length: Math.max(0, upTo - after) }, (_, i) => ({ seq: after + i + 1 }));

  it('replays, skips live items already replayed, and fills a gap from the database', async () => {
    const feed = feedOf([{ seq: 2 }, { seq: 3 }, { seq: 4 }, { seq: 7 }, { seq: 8 }]);
    const reads: number[] = [];
    let stored = 3;
    const stream = replayThenLive(feed, 1, {
      after: async (seq) => {
        reads.push(seq);
        const rows = await database(stored)(seq);
        stored = 8; // what was written meanwhile
        return rows;
      },
      seqOf: (item) => item.seq,
    });
    expect(await collect(stream)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(reads).toEqual([1, 4]);
    expect(feed.closed).toBe(true);
  });

  it('ends with the last item, when the viewer may no longer follow, or when nothing more can come', async () => {
    const seqOf = (item: Item) => item.seq;
    const ending = replayThenLive(feedOf([{ seq: 3, last: true }, { seq: 4 }]), 2, { after: async () => [], seqOf, isLast: (i) => i.last === true });
    expect(await collect(ending)).toEqual([3]);
    const denied = replayThenLive(feedOf([{ seq: 3 }]), 0, { after: database(2), seqOf, stillAllowed: async () => false });
    expect(await collect(denied)).toEqual([1, 2]);
    const over = replayThenLive(feedOf([{ seq: 3 }]), 0, { after: database(2), seqOf, continues: async () => false });
    expect(await collect(over)).toEqual([1, 2]);
  });
});
