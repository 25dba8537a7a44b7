import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import {
  CareConnectClient,
  CareConnectError,
  ConversationDocument,
  MarkArrivedDocument,
  MessageAddedDocument,
  RefreshSessionDocument,
  SendMessageDocument,
  SosConversationDocument,
  SosUpdatesDocument,
  UpdateLocationDocument,
  type ReconnectOptions,
  type Session,
} from '../../sdk/index';
import { TcpProxy } from '../helpers/tcp-proxy';
import { acceptedSos } from '../helpers/sos';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at } from '../helpers/volunteers';
import { nextOf } from '../helpers/wait';

// The apps' side of a bad network: an SDK client reaches the API through a proxy the test cuts
// (every connection closed, new ones refused) and restores, as a phone losing its signal does.
const env = useTestEnvironment();
let server: TestServer;
let proxy: TcpProxy;
const clients: CareConnectClient[] = [];

beforeAll(async () => {
  server = await env.start();
  proxy = await new TcpProxy('127.0.0.1', server.port).start();
});

afterEach(() => proxy.restore());

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await proxy.close();
});

/** An SDK client of `session` through the proxy, with short waits between attempts. */
function throughProxy(session: Session, reconnect: ReconnectOptions = { attempts: 6, baseDelayMs: 100, maxDelayMs: 400 }): CareConnectClient {
  const client = new CareConnectClient({ url: `http://127.0.0.1:${proxy.port}/graphql`, session, webSocketImpl: WebSocket, reconnect });
  clients.push(client);
  return client;
}


const seqsOf = async (feed: AsyncIterator<{ sosUpdates: { seq: number } }>, count: number) => {
  const seqs: number[] = [];
  for (let i = 0; i < count; i++) seqs.push((await nextOf(feed, `event ${i + 1}`, 8000)).sosUpdates.seq);
  return seqs;
};

/**
 * Follows an accepted SOS (events 1-3) through `client`, then has the volunteer arrive while
 * `outage` is cut, restored `restoreAfterMs` later: the feed gets event 4, and once.
 */
async function arrivalThrough(client: CareConnectClient, { volunteer, sosId }: Awaited<ReturnType<typeof acceptedSos>>, outage: TcpProxy, restoreAfterMs: number) {
  const feed = client.subscribe(SosUpdatesDocument, { sosId, afterSeq: 0 });
  expect(await seqsOf(feed, 3)).toEqual([1, 2, 3]);
  outage.cut();
  await volunteer.client.request(MarkArrivedDocument, { sosId });
  setTimeout(() => outage.restore(), restoreAfterMs);
  expect(await seqsOf(feed, 1)).toEqual([4]);
  // Nothing delivered twice: the replay after the reconnect started after seq 3.
  await expect(nextOf(feed, 'a repeated event', 1000)).rejects.toThrow(/within/);
  await feed.return();
}

describe('the SDK on a bad network', () => {
  it('a subscription outlives a lost connection and resumes after the last event it delivered, each event once', async () => {
    const accepted = await acceptedSos(server);
    // While the phone has no signal, help arrives.
    await arrivalThrough(throughProxy(accepted.person.session), accepted, proxy, 500);
  });

  it('a subscription whose event the API could not serve (UNAVAILABLE) subscribes again and gets it once served', async () => {
    const accepted = await acceptedSos(server);
    // A second instance whose PostgreSQL the test cuts: the events it pushes need a read there.
    const database = await new TcpProxy('127.0.0.1', Number(new URL(env.databaseUrl).port || 5432)).start();
    const viaProxy = new URL(env.databaseUrl);
    viaProxy.port = String(database.port);
    const cutOff = await env.start({ DATABASE_URL: viaProxy.toString(), DATABASE_STATEMENT_TIMEOUT_MS: '1000' });
    const client = new CareConnectClient({ url: cutOff.url, session: accepted.person.session, webSocketImpl: WebSocket, reconnect: { attempts: 20, baseDelayMs: 100, maxDelayMs: 300 } });
    clients.push(client);
    await arrivalThrough(client, accepted, database, 1500);
    await database.close();
  });

  it('a subscription outlives a token refresh', async () => {
    const { person, volunteer, sosId } = await acceptedSos(server);
    const client = throughProxy(person.session);
    const feed = client.subscribe(SosUpdatesDocument, { sosId, afterSeq: 1 });
    expect(await seqsOf(feed, 2)).toEqual([2, 3]);

    const { refreshSession } = await client.request(RefreshSessionDocument, { refreshToken: person.session.refreshToken });
    client.setSession(refreshSession);
    await volunteer.client.request(MarkArrivedDocument, { sosId });
    expect(await seqsOf(feed, 1)).toEqual([4]);
    await expect(nextOf(feed, 'a repeated event', 1000)).rejects.toThrow(/within/);
    await feed.return();
  });

  it('gives up after its attempts when the API stays out of reach', async () => {
    const { person, sosId } = await acceptedSos(server);
    const feed = throughProxy(person.session, { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 }).subscribe(SosUpdatesDocument, { sosId, afterSeq: 3 });
    const failed = feed.next().then(
      () => 'delivered',
      (err: unknown) => (err instanceof CareConnectError ? `refused: ${err.code}` : 'gave up'),
    );
    await new Promise((resolve) => setTimeout(resolve, 300)); // subscribed
    const refusedBefore = proxy.refused;
    proxy.cut();
    expect(await failed).toBe('gave up');
    // It tried again as often as told, no more.
    expect(proxy.refused - refusedBefore).toBe(2);
  });

  it('whenOnline rejects at once what the API refuses (only being offline waits), and close() fails what still waits', async () => {
    const { person, sosId } = await acceptedSos(server);
    const conversationId = (await person.client.request(SosConversationDocument, { id: sosId })).sos!.conversation!.id;
    const client = throughProxy(person.session);
    await expect(client.whenOnline(SendMessageDocument, { conversationId: randomUUID(), body: 'lost', clientMessageId: randomUUID() })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(client.pendingCount).toBe(0);

    proxy.cut();
    const waiting = client.whenOnline(SendMessageDocument, { conversationId, body: 'never sent', clientMessageId: randomUUID() });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await client.close();
    await expect(waiting).rejects.toThrow(/closed/);
    proxy.restore();
    // Usable again after close(), and what close() failed is not sent after all.
    await client.whenOnline(SendMessageDocument, { conversationId, body: 'after close', clientMessageId: randomUUID() });
    const { conversation } = await person.client.request(ConversationDocument, { id: conversationId, first: 10 });
    expect(conversation!.messages.edges.map((e) => e.node.body)).toEqual(['after close']);
  });

  it('messages and locations sent while offline go out when the API is reachable again: messages in order and once, locations as the latest', async () => {
    const { person, volunteer, sosId } = await acceptedSos(server);
    const conversationId = (await person.client.request(SosConversationDocument, { id: sosId })).sos!.conversation!.id;
    const personOffline = throughProxy(person.session);
    const volunteerOffline = throughProxy(volunteer.session);
    const live = volunteer.client.subscribe(MessageAddedDocument, { conversationId });

    proxy.cut();
    const sent = ['Where are you?', 'Second floor, door on the left'].map((body) =>
      personOffline.whenOnline(SendMessageDocument, { conversationId, body, clientMessageId: randomUUID() }),
    );
    const moves = [10, 20, 30].map((meters) =>
      volunteerOffline.whenOnline(UpdateLocationDocument, { location: at(meters, 90, at(100, 0)) }, { coalesce: 'location' }),
    );
    // (Handled from here on: should the test fail, closing the clients rejects what still waits.)
    void Promise.allSettled([...sent, ...moves]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Two messages (the first may be on its way) and one location, the newest.
    expect(personOffline.pendingCount).toBe(2);
    expect(volunteerOffline.pendingCount).toBe(1);

    proxy.restore();
    const [first, second] = await Promise.all(sent);
    const [a, b, c] = await Promise.all(moves);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect((await nextOf(live, 'first message')).messageAdded.id).toBe(first.sendMessage.id);
    expect((await nextOf(live, 'second message')).messageAdded.id).toBe(second.sendMessage.id);
    const { conversation } = await person.client.request(ConversationDocument, { id: conversationId, first: 10 });
    // Each once (newest first).
    expect(conversation!.messages.edges.map((e) => e.node.body)).toEqual(['Second floor, door on the left', 'Where are you?']);
    await live.return();
  });
});
