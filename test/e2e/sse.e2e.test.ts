import { print } from 'graphql';
import { createClient, type Client as SseClient } from 'graphql-sse';
import WebSocket from 'ws';
import { CareConnectClient, DeleteMyAccountDocument, MarkArrivedDocument, RefreshSessionDocument, SosUpdatesDocument, SuspendUserDocument } from '../../sdk/index';
import { PASSWORD, Role, signInAs, signUp, type Actor } from '../helpers/actors';
import { craftAccessToken } from '../helpers/tokens';
import { noUpgradeProxy } from '../helpers/no-upgrade-proxy';
import { acceptedSos } from '../helpers/sos';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { nextOf } from '../helpers/wait';

// Subscriptions over Server-Sent Events (graphql-sse, distinct connections) at /graphql/stream.
const env = useTestEnvironment();
let server: TestServer;
const clients: SseClient[] = [];

beforeAll(async () => {
  server = await env.start();
});

afterAll(() => clients.forEach((c) => c.dispose()));

function sse(session: Actor['session'] | null): SseClient {
  const client = createClient({
    url: `${server.url}/stream`,
    headers: (): Record<string, string> => (session ? { authorization: `Bearer ${session.accessToken}` } : {}),
    retryAttempts: 0,
  });
  clients.push(client);
  return client;
}

/** The next result of a stream, or 'ended' / 'failed: <status> <body>' when it ends or is refused. */
async function next(iterator: AsyncIterator<unknown>, timeoutMs = 5000): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      iterator.next().then(
        (r) => (r.done ? 'ended' : r.value),
        // A refusal before the stream: graphql-sse hands over the HTTP response.
        async (err: { response?: Response }) => `failed: ${err.response ? `${err.response.status} ${await err.response.text()}` : JSON.stringify(err)}`,
      ),
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve('nothing'), timeoutMs))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}


describe('subscriptions over Server-Sent Events', () => {
  it('replay and live events as over WebSocket, for the same people only', async () => {
    const { person, volunteer, sosId } = await acceptedSos(server);
    const updates = sse(person.session).iterate({ query: print(SosUpdatesDocument), variables: { sosId, afterSeq: 1 } });
    expect(await next(updates)).toMatchObject({ data: { sosUpdates: { seq: 2, type: 'MATCHING_STARTED' } } });
    expect(await next(updates)).toMatchObject({ data: { sosUpdates: { seq: 3, type: 'ACCEPTED' } } });
    await volunteer.client.request(MarkArrivedDocument, { sosId });
    expect(await next(updates)).toMatchObject({ data: { sosUpdates: { seq: 4, type: 'ARRIVED' } } });
    await updates.return?.();

    // Without a token, or as a stranger: refused as over WebSocket (a stranger's SOS does not exist).
    const anonymous = sse(null).iterate({ query: print(SosUpdatesDocument), variables: { sosId } });
    expect(await next(anonymous)).toMatch(/failed: .*UNAUTHENTICATED/);
    const stranger = await signUp(server);
    const refused = await next(sse(stranger.session).iterate({ query: print(SosUpdatesDocument), variables: { sosId } }));
    expect(JSON.stringify(refused)).toMatch(/NOT_FOUND/);
  });

  it('checks documents and variables as every request', async () => {
    const person = await signUp(server);
    const badVariables = await next(sse(person.session).iterate({ query: print(SosUpdatesDocument), variables: { sosId: 42 } }));
    expect(JSON.stringify(badVariables)).toMatch(/BAD_USER_INPUT/);
    const unparsable = await next(sse(person.session).iterate({ query: 'subscription { sosUpdates(' }));
    expect(JSON.stringify(unparsable)).toMatch(/GRAPHQL_PARSE_FAILED|Syntax Error/);
    // The body is read within the same limit as every request's.
    const huge = await fetch(`${server.url}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${person.session.accessToken}` },
      body: JSON.stringify({ query: print(SosUpdatesDocument), variables: { sosId: 'x'.repeat(200_000) } }),
    });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ errors: [{ extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
    // Only distinct-connection streams: no reserved streams (PUT), no GET, no body the limit did not see.
    const send = (method: string, headers: Record<string, string>, body?: string) =>
      fetch(`${server.url}/stream`, { method, headers: { authorization: `Bearer ${person.session.accessToken}`, ...headers }, body }).then((r) => r.status);
    const query = JSON.stringify({ query: print(SosUpdatesDocument), variables: { sosId: 'x' } });
    expect(await send('PUT', { accept: 'text/event-stream' })).toBe(405);
    expect(await send('GET', { accept: 'text/event-stream' })).toBe(405);
    expect(await send('POST', { accept: 'application/json', 'content-type': 'application/json' }, query)).toBe(406);
    expect(await send('POST', { accept: 'text/event-stream', 'content-type': 'application/json-seq' }, query)).toBe(415);
  });

  it('ends a stream when its token expires; the token of a deleted account is refused', async () => {
    const { person, sosId } = await acceptedSos(server);
    const shortLived = { ...person.session, accessToken: craftAccessToken(person.id, { expiresInSeconds: 2 }) };
    const updates = sse(shortLived).iterate({ query: print(SosUpdatesDocument), variables: { sosId, afterSeq: 3 } });
    expect(await next(updates, 1000)).toBe('nothing'); // open, waiting for news
    expect(await next(updates, 4000)).toMatch(/ended|failed/);
    await updates.return?.();

    const leaving = await signUp(server);
    await leaving.client.request(DeleteMyAccountDocument, { password: PASSWORD });
    expect(await next(sse(leaving.session).iterate({ query: print(SosUpdatesDocument), variables: { sosId } }))).toMatch(/failed: 401 .*UNAUTHENTICATED/);
  });

  it("ends a person's streams when an admin suspends the account", async () => {
    const { person, sosId } = await acceptedSos(server);
    const updates = sse(person.session).iterate({ query: print(SosUpdatesDocument), variables: { sosId, afterSeq: 3 } });
    expect(await next(updates, 1000)).toBe('nothing'); // open, waiting for news
    const admin = await signInAs(server, Role.ADMIN);
    await admin.client.request(SuspendUserDocument, { userId: person.id, reason: 'abuse', until: null });
    expect(await next(updates)).toMatch(/ended|failed/);
    const again = await next(sse(person.session).iterate({ query: print(SosUpdatesDocument), variables: { sosId } }));
    expect(JSON.stringify(again)).toMatch(/suspended/);
  });

  it('the SDK falls back to them by itself where WebSocket upgrades are refused', async () => {
    const proxy = await noUpgradeProxy(new URL(server.url));
    try {
      const { person, volunteer, sosId } = await acceptedSos(server);
      const client = new CareConnectClient({ url: proxy.url, session: person.session, webSocketImpl: WebSocket, reconnect: { attempts: 3, baseDelayMs: 100, maxDelayMs: 400 } });
      const updates = client.subscribe(SosUpdatesDocument, { sosId, afterSeq: 1 });
      expect((await nextOf(updates, 'the first event')).sosUpdates.seq).toBe(2);
      expect(client.transport).toBe('sse');
      expect((await nextOf(updates, 'the second event')).sosUpdates.seq).toBe(3);
      // A new token: the stream opens again with it, from where it was.
      client.setSession((await client.request(RefreshSessionDocument, { refreshToken: person.session.refreshToken })).refreshSession);
      await volunteer.client.request(MarkArrivedDocument, { sosId });
      expect((await nextOf(updates, 'a live event')).sosUpdates).toMatchObject({ seq: 4, type: 'ARRIVED' });
      await expect(nextOf(updates, 'an event twice', 1000)).rejects.toThrow(/within/);
      await updates.return();
      await client.close();
    } finally {
      await proxy.close();
    }
  });
});
