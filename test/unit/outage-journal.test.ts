import { randomBytes, randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/platform/logger';
import { closeRedis, createRedis, waitUntilReady, type Redis } from '../../src/platform/redis';
import { OutageJournal, type QueuedSos } from '../../src/modules/sos/sos.outage-journal';
import { deleteRedisKeys } from '../helpers/redis-keys';

const prefix = `cc-test:${randomBytes(4).toString('hex')}:`;
const REDIS_URL = loadConfig({ REDIS_URL: process.env.REDIS_URL }).REDIS_URL;
let redis: Redis;
let journal: OutageJournal;

beforeAll(async () => {
  redis = createRedis({ url: REDIS_URL, clusterNodes: [] }, prefix, createLogger('silent'));
  await waitUntilReady(redis, 2000);
  journal = new OutageJournal(redis);
});

afterAll(async () => {
  await closeRedis(redis);
  await deleteRedisKeys(REDIS_URL, `${prefix}*`);
});

function queued(requesterId: string = randomUUID(), idempotencyKey: string = randomUUID()): QueuedSos {
  return {
    id: randomUUID(),
    requesterId,
    idempotencyKey,
    category: 'MEDICAL',
    description: null,
    latitude: 52.5,
    longitude: 13.4,
    accuracyMeters: null,
    requiredSkills: [],
    clientIp: '127.0.0.1',
    flagReasons: [],
    queuedAt: Date.now(),
    radiusMeters: 500,
    alerts: [{ id: randomUUID(), volunteerId: randomUUID(), distanceMeters: 120, expiresAt: Date.now() + 60_000 }],
  };
}

const accept = (volunteerId: string) => ({ volunteerId, volunteerUserId: randomUUID(), at: Date.now() });

describe('OutageJournal (real Redis)', () => {
  it('queues one SOS per key and one open SOS per person, in order', async () => {
    const sos = queued();
    expect(await journal.enqueue(sos)).toEqual({ kind: 'queued', sos });
    // A retry, even built afresh with another id, gets the first one.
    expect(await journal.enqueue({ ...sos, id: randomUUID() })).toEqual({ kind: 'retried', sos });
    expect(await journal.enqueue(queued(sos.requesterId))).toEqual({ kind: 'open', openSosId: sos.id });
    expect(await journal.queuedFor(sos.requesterId, sos.idempotencyKey)).toEqual({ sameKey: sos, openSosId: sos.id });
    const other = queued();
    await journal.enqueue(other);
    const order = (await journal.oldest(100)).map((entry) => entry.sos?.id);
    expect(order.indexOf(sos.id)).toBeLessThan(order.indexOf(other.id));
  });

  it('keeps the first accept; later ones learn whose it is', async () => {
    const sos = queued();
    await journal.enqueue(sos);
    const winner = accept(randomUUID());
    expect(await journal.accept(sos.id, winner)).toEqual({ kind: 'accepted', accept: winner });
    expect(await journal.accept(sos.id, accept(randomUUID()))).toEqual({ kind: 'taken', accept: winner });
    expect(await journal.accept(randomUUID(), winner)).toEqual({ kind: 'missing' });
  });

  it('forgets a replayed SOS only if no accept came in that the replay did not write', async () => {
    const sos = queued();
    await journal.enqueue(sos);
    const { entryId } = (await journal.oldest(1000)).find((entry) => entry.sos?.id === sos.id)!;
    await journal.accept(sos.id, accept(randomUUID()));
    expect(await journal.remove(entryId, sos, false)).toBe(false);
    expect(await journal.get(sos.id)).toEqual(sos);
    expect(await journal.remove(entryId, sos, true)).toBe(true);
    expect(await journal.get(sos.id)).toBeNull();
    expect(await journal.acceptOf(sos.id)).toBeNull();
    // The person may raise again, and the key is free.
    expect(await journal.queuedFor(sos.requesterId, sos.idempotencyKey)).toEqual({ sameKey: null, openSosId: null });
    expect((await journal.oldest(1000)).some((entry) => entry.entryId === entryId)).toBe(false);
  });

  it('lets one replayer at a time hold the lock', async () => {
    const held = await journal.claimReplay();
    expect(held).not.toBeNull();
    expect(await journal.claimReplay()).toBeNull();
    await journal.releaseReplay('not the holder');
    expect(await journal.claimReplay()).toBeNull();
    await journal.releaseReplay(held!);
    const next = await journal.claimReplay();
    expect(next).not.toBeNull();
    await journal.releaseReplay(next!);
  });
});
