import { randomUUID } from 'node:crypto';
import {
  AcceptSosDocument,
  MeDocument,
  MessageAddedDocument,
  RaiseSosDocument,
  ResolveSosDocument,
  SendMessageDocument,
  SosAlertsDocument,
  SosConversationDocument,
  SosUpdatesDocument,
  UpdateLocationDocument,
  VolunteerLocationDocument,
} from '../../sdk/index';
import { signUp, type Actor } from '../helpers/actors';
import { acceptedSos } from '../helpers/chat';
import { queryRows } from '../helpers/databases';
import { RedisCluster } from '../helpers/redis-cluster';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, freshCentre, volunteerAt, type VolunteerActor } from '../helpers/volunteers';
import { eventually, nextOf } from '../helpers/wait';

// Two API instances on a Redis Cluster of three masters and three replicas (REDIS_CLUSTER_NODES).
const env = useTestEnvironment();
const cluster = new RedisCluster();
let first: TestServer;
let second: TestServer;

beforeAll(async () => {
  await cluster.start();
  const settings = { REDIS_CLUSTER_NODES: cluster.seeds, SOS_STEP_TIMEOUT_SECONDS: '60', SOS_SWEEP_SECONDS: '1', LOCATION_INTERVAL_ASSIGNED_SECONDS: '1', CHAT_MESSAGES_PER_10S: '1000' };
  [first, second] = await Promise.all([env.start(settings), env.start(settings)]);
}, 60_000);

afterAll(async () => {
  await Promise.all([first?.stop(), second?.stop()]);
  await cluster.stop();
});

/** Keys under this test's prefix matching `pattern` on the node at `port`. */
const keysOn = (port: number, pattern: string) => cluster.on(port, 'KEYS', `${env.redisPrefix}${pattern}`) as Promise<string[]>;

it('runs the SOS loop and chat across instances, each script on its hash tag and each channel on the node of its slot', async () => {
  const centre = freshCentre();
  const volunteer = await volunteerAt(second, at(150, 0, centre));
  const alerts = volunteer.client.subscribe(SosAlertsDocument, {});
  await volunteer.client.requestOverSocket(MeDocument, {});
  const person = await signUp(first);
  const { raiseSos } = await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } });
  const sosId = raiseSos.id;
  expect((await nextOf(alerts, 'alert')).sosAlerts.sos.id).toBe(sosId);

  const updates = person.client.subscribe(SosUpdatesDocument, { sosId, afterSeq: 0 });
  await volunteer.client.request(AcceptSosDocument, { sosId });
  const types: string[] = [];
  while (!types.includes('ACCEPTED')) types.push((await nextOf(updates, 'SOS update')).sosUpdates.type);

  const { sos } = await person.client.request(SosConversationDocument, { id: sosId });
  const conversationId = sos!.conversation!.id;
  const messages = person.client.subscribe(MessageAddedDocument, { conversationId });
  const locations = person.client.subscribe(VolunteerLocationDocument, { sosId });
  await person.client.requestOverSocket(MeDocument, {});
  const { sendMessage } = await volunteer.client.request(SendMessageDocument, { conversationId, body: 'On my way' });
  expect((await nextOf(messages, 'message')).messageAdded).toMatchObject({ id: sendMessage.id, body: 'On my way' });
  await volunteer.client.request(UpdateLocationDocument, { location: at(100, 0, centre) });
  expect((await nextOf(locations, 'location')).volunteerLocation.distanceMeters).toBeCloseTo(100, 0);

  // While those feeds are open: each of their channels is a shard channel of the master serving
  // its slot, and nothing uses plain pub/sub (which every node would have to broadcast).
  const masters = await cluster.masters();
  const shardChannels = (await Promise.all(masters.map(async (port) => ((await cluster.on(port, 'PUBSUB', 'SHARDCHANNELS', `${env.redisPrefix}*`)) as string[]).map((channel) => ({ channel, port }))))).flat();
  expect(shardChannels.map((c) => c.channel)).toEqual(expect.arrayContaining([`${env.redisPrefix}chat:${conversationId}`, `${env.redisPrefix}location:${sosId}`, `${env.redisPrefix}sos:${sosId}`]));
  for (const { channel, port } of shardChannels) expect(await cluster.masterOf(channel)).toBe(port);
  for (const port of masters) expect(await cluster.on(port, 'PUBSUB', 'CHANNELS', `${env.redisPrefix}*`)).toEqual([]);
  // The volunteer index and the matching queue each sit whole on the master of their tag.
  expect(await keysOn(await cluster.masterOf('{vol}'), '{vol}:*')).toEqual(expect.arrayContaining([`${env.redisPrefix}{vol}:geo`, `${env.redisPrefix}{vol}:index:ready`]));
  expect((await keysOn(await cluster.masterOf('{sos-matching}'), 'bull:{sos-matching}:*')).length).toBeGreaterThan(0);

  await volunteer.client.request(ResolveSosDocument, { sosId, note: null });
  while (!types.includes('RESOLVED')) types.push((await nextOf(updates, 'SOS update')).sosUpdates.type);
  await Promise.all([person.client.close(), volunteer.client.close()]);
}, 60_000);

it('loses no SOS and no acknowledged message when a master dies mid-run: its replica takes over and the feeds catch up', async () => {
  const victim = await cluster.masterOf('{vol}');
  // A conversation whose channel lives on the master to die, so that its feed loses its node.
  let chat = await acceptedSos(first, second);
  while ((await cluster.masterOf(`${env.redisPrefix}chat:${chat.conversationId}`)) !== victim) chat = await acceptedSos(first, second);
  const received = new Set<string>();
  const messages = chat.person.client.subscribe(MessageAddedDocument, { conversationId: chat.conversationId });
  await chat.person.client.requestOverSocket(MeDocument, {});
  const reading = (async () => {
    for await (const { messageAdded } of messages) received.add(messageAdded.id);
  })().catch((err: unknown) => err);

  // People in distress, each with a volunteer of their own nearby listening for alerts.
  const pairs: { person: Actor; volunteer: VolunteerActor; centre: ReturnType<typeof freshCentre>; alerted: Set<string> }[] = [];
  for (let i = 0; i < 10; i++) {
    const centre = freshCentre();
    const [person, volunteer] = await Promise.all([signUp(i % 2 ? first : second), volunteerAt(i % 2 ? second : first, at(120, 90, centre))]);
    const alerted = new Set<string>();
    const alerts = volunteer.client.subscribe(SosAlertsDocument, {});
    await volunteer.client.requestOverSocket(MeDocument, {});
    void (async () => {
      for await (const { sosAlerts } of alerts) alerted.add(sosAlerts.sos.id);
    })().catch(() => undefined);
    pairs.push({ person, volunteer, centre, alerted });
  }

  // Messages go on until the master has been dead for a while, not yet replaced (its node timeout
  // is 1 s): those sent after the kill were published to a node that was gone, and no later
  // message wakes the feed. What the API acknowledged must arrive all the same.
  const acknowledged: string[] = [];
  let killedAt = Infinity;
  let acknowledgedSinceKill = 0;
  const sender = (async () => {
    for (let n = 0; Date.now() < killedAt + 700; n++) {
      const sent = await chat.volunteer.client.request(SendMessageDocument, { conversationId: chat.conversationId, body: `update ${n}` }).catch(() => null);
      if (sent) acknowledged.push(sent.sendMessage.id);
      if (sent && Date.now() > killedAt) acknowledgedSinceKill++;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  // SOS go on through the failover; an app retries a raise that failed, with the same idempotency key.
  const raised: string[] = [];
  for (const [i, { person, centre }] of pairs.entries()) {
    if (i === 3) {
      killedAt = Date.now();
      await cluster.kill(victim);
    }
    const idempotencyKey = randomUUID();
    const result = await eventually(
      () => person.client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey } }).catch(() => null),
      (result) => result !== null,
      20_000,
    );
    raised.push(result!.raiseSos.id);
    await new Promise((r) => setTimeout(r, 300));
  }
  await sender;
  await cluster.untilHealthy();
  expect(await cluster.masterOf('{vol}')).not.toBe(victim);

  expect(acknowledgedSinceKill).toBeGreaterThan(0);
  await eventually(async () => acknowledged.filter((id) => !received.has(id)), (missing) => missing.length === 0, 20_000);
  // Every SOS is in PostgreSQL with its volunteer alerted, and the alert reached the volunteer's socket.
  const alerts = await queryRows<{ sos_id: string; volunteer_id: string }>(env.databaseUrl, 'SELECT sos_id, volunteer_id FROM sos_alerts WHERE sos_id = ANY($1::uuid[])', [raised]);
  expect(new Set(alerts.map((a) => a.sos_id)).size).toBe(pairs.length);
  pairs.forEach(({ volunteer }, i) => expect(alerts).toContainEqual({ sos_id: raised[i], volunteer_id: volunteer.volunteerId }));
  await eventually(async () => pairs.filter(({ alerted }, i) => !alerted.has(raised[i])).length, (missing) => missing === 0, 20_000);

  await messages.return?.();
  expect(await reading).toBeUndefined();
  await Promise.all([chat.person, chat.volunteer, ...pairs.flatMap((p) => [p.person, p.volunteer])].map((actor) => actor.client.close()));
}, 120_000);
