import { print } from 'graphql';
import { MeDocument, RaiseSosDocument, SosAlertsDocument } from '../../sdk/index';
import manifest from '../../sdk/generated/persisted-documents.json';
import { Role, signInAs, signUp } from '../helpers/actors';
import { queryRows } from '../helpers/databases';
import { expectError } from '../helpers/expect-error';
import { codesOf, overSocket, postGraphQL } from '../helpers/raw-graphql';
import { openRawSocket } from '../helpers/raw-socket';
import { proxiedDatabase, type TcpProxy } from '../helpers/tcp-proxy';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { volunteerAt } from '../helpers/volunteers';

// Persisted documents: the SDK's operations, extracted at codegen time into a manifest of hashes.
const env = useTestEnvironment();
let open: TestServer;
let trustedOnly: TestServer;
/** A third server, reaching PostgreSQL through a proxy the tests cut. */
let proxy: TcpProxy;
let behindProxy: TestServer;

beforeAll(async () => {
  const proxied = await proxiedDatabase(env.databaseUrl);
  proxy = proxied.proxy;
  [open, trustedOnly, behindProxy] = await Promise.all([
    env.start(),
    env.start({ TRUSTED_DOCUMENTS_ONLY: 'true' }),
    env.start({ TRUSTED_DOCUMENTS_ONLY: 'true', DATABASE_URL: proxied.url, DATABASE_STATEMENT_TIMEOUT_MS: '1000' }),
  ]);
});

afterAll(async () => {
  proxy.restore();
  await Promise.all([open.stop(), trustedOnly.stop(), behindProxy.stop()]);
  await proxy.close();
});

const meId = (MeDocument as unknown as { __meta__: { hash: string } }).__meta__.hash;
const meText = (manifest as Record<string, string>)[meId];
const FREEFORM = '{ me { id displayName } }';
const wsOf = (server: TestServer) => server.url.replace(/^http/, 'ws');

describe('persisted documents', () => {
  it('runs a document sent by its id (documentId, or Apollo’s persistedQuery extension) and refuses an id no app document has', async () => {
    const person = await signUp(open);
    const token = person.session.accessToken;
    const asId = await postGraphQL(open.url, { documentId: meId }, token);
    expect(asId.data).toEqual({ me: expect.objectContaining({ id: person.id }) });
    const asApq = await postGraphQL(open.url, { extensions: { persistedQuery: { version: 1, sha256Hash: meId.slice('sha256:'.length) } } }, token);
    expect(asApq.data).toEqual(asId.data);

    for (const unknown of [`sha256:${'0'.repeat(64)}`, 'not-a-hash']) {
      const refused = await postGraphQL(open.url, { documentId: unknown }, token);
      expect(codesOf(refused)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
      expect(refused.data).toBeNull();
    }
    // An SDK newer than the server (an id the server does not know) falls back to the text.
    const unknownToServer = { ...MeDocument, __meta__: { hash: `sha256:${'1'.repeat(64)}` } } as typeof MeDocument;
    expect((await person.client.request(unknownToServer)).me.id).toBe(person.id);
    // Without TRUSTED_DOCUMENTS_ONLY any valid operation runs.
    expect((await postGraphQL(open.url, { query: FREEFORM }, token)).data).toEqual({ me: expect.objectContaining({ id: person.id }) });
  });
});

describe('TRUSTED_DOCUMENTS_ONLY', () => {
  it('lets people and volunteers run only the apps’ documents, over HTTP and WebSocket', async () => {
    const person = await signUp(trustedOnly);
    const token = person.session.accessToken;
    const refused = await postGraphQL(trustedOnly.url, { query: FREEFORM }, token);
    expect(refused.status).toBe(403);
    expect(codesOf(refused)).toEqual(['QUERY_NOT_IN_SAFELIST']);
    expect(codesOf(await overSocket(wsOf(trustedOnly), { query: FREEFORM }, token))).toEqual(['QUERY_NOT_IN_SAFELIST']);
    // Apollo runs queries sent by GET as well: the list holds there too.
    const byGet = await fetch(`${trustedOnly.url}?query=${encodeURIComponent(FREEFORM)}`, { headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' } });
    expect(byGet.status).toBe(403);
    expect(((await byGet.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('QUERY_NOT_IN_SAFELIST');
    const openGet = await fetch(`${open.url}?query=${encodeURIComponent(FREEFORM)}`, { headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' } });
    expect(((await openGet.json()) as { data: { me: { id: string } } }).data.me.id).toBe(person.id);

    // The apps' own documents: by id (as the SDK sends them) or as their exact text. The SDK
    // passes only because it sends ids: graphql's printed text is not the manifest's.
    expect(print(MeDocument)).not.toBe(meText);
    expect((await person.client.request(MeDocument)).me.id).toBe(person.id);
    expect((await person.client.requestOverSocket(MeDocument, {})).me.id).toBe(person.id);
    expect((await postGraphQL(trustedOnly.url, { query: meText }, token)).data).toEqual({ me: expect.objectContaining({ id: person.id }) });
    // The SDK's fallback to the text is no way around the list.
    const unknownToServer = { ...MeDocument, __meta__: { hash: `sha256:${'1'.repeat(64)}` } } as typeof MeDocument;
    await expectError(person.client.request(unknownToServer), 'QUERY_NOT_IN_SAFELIST');
    const volunteer = await volunteerAt(trustedOnly, { latitude: 48.1, longitude: 11.6 });
    const alerts = volunteer.client.subscribe(SosAlertsDocument, {});
    const sos = (await person.client.request(RaiseSosDocument, { input: { location: { latitude: 48.1005, longitude: 11.6 }, category: 'MEDICAL', idempotencyKey: 'trusted-1' } })).raiseSos;
    expect((await alerts.next()).value).toMatchObject({ sosAlerts: { status: 'OFFERED', sos: { id: sos.id } } });
    await alerts.return();
  });

  it('refuses an anonymous freeform mutation before anything runs', async () => {
    const email = `freeform-${Date.now()}@test.careconnect.dev`;
    const register = `mutation { register(input: { email: "${email}", password: "correct horse battery staple", displayName: "Free Form" }) { accessToken } }`;
    const refused = await postGraphQL(trustedOnly.url, { query: register });
    expect(codesOf(refused)).toEqual(['QUERY_NOT_IN_SAFELIST']);
    expect(await queryRows(env.databaseUrl, 'SELECT 1 FROM users WHERE email = $1', [email])).toHaveLength(0);
  });

  it('leaves staff their full access', async () => {
    const professional = await signInAs(trustedOnly, Role.PROFESSIONAL);
    const answered = await postGraphQL(trustedOnly.url, { query: FREEFORM }, professional.session.accessToken);
    expect(answered.data).toEqual({ me: expect.objectContaining({ id: professional.id }) });
    const overSocketToo = await overSocket(wsOf(trustedOnly), { query: FREEFORM }, professional.session.accessToken);
    expect(overSocketToo.data).toEqual(answered.data);
  });

  it('answers UNAVAILABLE when who is asking cannot be read, and keeps the socket open', async () => {
    const person = await signUp(trustedOnly);
    const token = person.session.accessToken;
    const socket = await openRawSocket(wsOf(behindProxy), { authorization: `Bearer ${token}` });
    try {
      await socket.next('connection_ack');
      proxy.cut();
      const refused = await postGraphQL(behindProxy.url, { query: FREEFORM }, token);
      expect(refused.status).toBe(503);
      expect(codesOf(refused)).toEqual(['UNAVAILABLE']);
      socket.send({ id: 'freeform', type: 'subscribe', payload: { query: FREEFORM } });
      const answer = await socket.next('error');
      expect((answer.payload as { extensions: { code: string } }[])[0].extensions.code).toBe('UNAVAILABLE');
      expect(socket.socket.readyState).toBe(socket.socket.OPEN);
    } finally {
      proxy.restore();
      socket.socket.close();
    }
  });
});
