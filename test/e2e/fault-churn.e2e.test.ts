import { randomUUID } from 'node:crypto';
import {
  AcceptSosDocument,
  ConversationDocument,
  MarkArrivedDocument,
  MessageAddedDocument,
  MySosRequestsDocument,
  RaiseSosDocument,
  ResolveSosDocument,
  SendMessageDocument,
  SosConversationDocument,
  SosDocument,
  SosUpdatesDocument,
  type CareConnectClient,
  type MessageAddedSubscription,
  type Session,
  type SosUpdatesSubscription,
} from '../../sdk/index';
import { signUp } from '../helpers/actors';
import { Resumable } from '../helpers/resumable';
import { spawnServer, type ServerProcess } from '../helpers/spawn-server';
import { clientFactory, useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, freshCentre, volunteerAt } from '../helpers/volunteers';
import { eventually } from '../helpers/wait';

// Two API processes on one database and Redis; one is killed with SIGKILL halfway through,
// while every client's socket is dropped (and resumed from where it was) every second.
const env = useTestEnvironment();
const PAIRS = 4;
const ROUNDS = 24;
const SETTINGS = { SOS_STEP_TIMEOUT_SECONDS: '60', SOS_SWEEP_SECONDS: '1', SOS_PER_HOUR: '50', CHAT_MESSAGES_PER_10S: '1000' };

const servers: ServerProcess[] = [];
// Each test's instances go with it: one left running would match the next test's SOS with its own settings.
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => (server.child.kill('SIGKILL'), server.exited)));
});

/** An app's request: on a failure (its instance died) it tries again, on whatever instance `route()` names, with the same idempotency key. */
async function persist<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

it('delivers every SOS event and chat message, in order and once, through dropped sockets and a killed instance', async () => {
  const [a, b] = await Promise.all([spawnServer(env.env(SETTINGS)), spawnServer(env.env(SETTINGS))]);
  servers.push(a, b);
  const onB = clientFactory(b.url) as unknown as TestServer;
  let requesterUrl = a.url;
  // A person's app: its session, and a client for the instance it reaches now.
  const clients = new Map<string, CareConnectClient>();
  const clientOf = (session: Session, url: string) => {
    const key = `${session.user.id}@${url}`;
    // An instance killed for good: give up on it soon, and the app (Resumable) moves to the other.
    if (!clients.has(key)) clients.set(key, clientFactory(url, { attempts: 2, baseDelayMs: 100, maxDelayMs: 400 }).client(session));
    return clients.get(key)!;
  };

  const pairs = await Promise.all(
    Array.from({ length: PAIRS }, async () => {
      const centre = freshCentre();
      const volunteer = await volunteerAt(onB, at(200, 0, centre));
      const person = await signUp(clientFactory(a.url));
      const { raiseSos } = await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } });
      await volunteer.client.request(AcceptSosDocument, { sosId: raiseSos.id });
      const conversationId = (await person.client.request(SosConversationDocument, { id: raiseSos.id })).sos!.conversation!.id;
      const requester = () => clientOf(person.session, requesterUrl);
      const updates = new Resumable<SosUpdatesSubscription>((last) => requester().subscribe(SosUpdatesDocument, { sosId: raiseSos.id, afterSeq: last?.sosUpdates.seq ?? 0 }));
      const toVolunteer = new Resumable<MessageAddedSubscription>((last) => clientOf(volunteer.session, b.url).subscribe(MessageAddedDocument, { conversationId, after: last?.messageAdded.id ?? null }));
      const toRequester = new Resumable<MessageAddedSubscription>((last) => requester().subscribe(MessageAddedDocument, { conversationId, after: last?.messageAdded.id ?? null }));
      return { sosId: raiseSos.id, conversationId, person, volunteer, requester, updates, toVolunteer, toRequester };
    }),
  );
  const followers = pairs.flatMap((p) => [p.updates, p.toVolunteer, p.toRequester]);

  for (let round = 0; round < ROUNDS; round++) {
    if (round % 3 === 0) await Promise.all(followers.map((f) => f.drop()));
    if (round === 8) {
      a.child.kill('SIGKILL');
      requesterUrl = b.url;
    }
    await Promise.all(
      pairs.flatMap((p) => {
        const sends: Promise<unknown>[] = [p.requester, () => clientOf(p.volunteer.session, b.url)].map((who, i) => {
          const clientMessageId = `${round}-${i}`;
          return persist(() => who().request(SendMessageDocument, { conversationId: p.conversationId, body: `round ${round} from ${i}`, clientMessageId }));
        });
        if (round === 12) sends.push(persist(() => clientOf(p.volunteer.session, b.url).request(MarkArrivedDocument, { sosId: p.sosId })));
        return sends;
      }),
    );
    await new Promise((r) => setTimeout(r, 150));
  }
  await Promise.all(pairs.map((p) => persist(() => p.requester().request(ResolveSosDocument, { sosId: p.sosId }))));

  let written = 0;
  for (const p of pairs) {
    const admin = clientOf(p.person.session, b.url);
    const timeline = (await admin.request(SosDocument, { id: p.sosId })).sos!.timeline.map((e) => e.seq);
    const messages = (await admin.request(ConversationDocument, { id: p.conversationId, first: 100 })).conversation!.messages.edges.map((e) => e.node.id).reverse();
    expect(messages).toHaveLength(ROUNDS * 2);
    expect((await admin.request(MySosRequestsDocument, {})).mySosRequests.edges.map((e) => e.node.id)).toEqual([p.sosId]);
    // Everything written reaches every follower: in order, once, despite the churn.
    await eventually(async () => p.updates.received.map((u) => u.sosUpdates.seq), (seqs) => seqs.length >= timeline.length, 15_000);
    expect(p.updates.received.map((u) => u.sosUpdates.seq)).toEqual(timeline);
    for (const follower of [p.toVolunteer, p.toRequester]) {
      await eventually(async () => follower.received.length, (n) => n >= messages.length, 15_000);
      expect(follower.received.map((m) => m.messageAdded.id)).toEqual(messages);
    }
    written += timeline.length + messages.length * 2;
  }
  const delivered = followers.reduce((n, f) => n + f.received.length, 0);
  // The churn really happened: every follower lost its subscription and came back several times.
  expect(Math.min(...followers.map((f) => f.resubscriptions))).toBeGreaterThanOrEqual(3);
  process.stdout.write(
    `churn: ${delivered}/${written} SOS events and messages delivered in order, once, through ${followers.reduce((n, f) => n + f.resubscriptions, 0)} resubscriptions and a SIGKILL\n`,
  );
  await Promise.all(followers.map((f) => f.stop()));
  for (const client of clients.values()) await client.close();
}, 120_000);

it('an SOS being matched on an instance killed with SIGKILL keeps widening on the other and escalates', async () => {
  const settings = { ...SETTINGS, SOS_STEP_TIMEOUT_SECONDS: '1', SOS_RADII_METERS: '1000,3000' };
  const [a, b] = await Promise.all([spawnServer(env.env(settings)), spawnServer(env.env(settings))]);
  servers.push(a, b);
  const centre = freshCentre();
  const far = await volunteerAt(clientFactory(b.url) as unknown as TestServer, at(2500, 90, centre));
  const person = await signUp(clientFactory(a.url));
  const { raiseSos } = await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } });
  expect(raiseSos.status).toBe('MATCHING');
  a.child.kill('SIGKILL');

  // The next steps were A's to schedule; B's job worker or its PostgreSQL sweeper runs them.
  const onB = clientFactory(b.url).client(person.session);
  const escalated = await eventually(() => onB.request(SosDocument, { id: raiseSos.id }).then((r) => r.sos!), (sos) => sos.status === 'ESCALATED', 20_000);
  expect(escalated.timeline.map((e) => e.type)).toEqual(['CREATED', 'MATCHING_STARTED', 'RADIUS_EXPANDED', 'ESCALATED']);
  expect(escalated.timeline.find((e) => e.type === 'RADIUS_EXPANDED')!.message).toMatch(/1 volunteer\(s\) alerted/);
  await far.client.close();
  await onB.close();
}, 60_000);
