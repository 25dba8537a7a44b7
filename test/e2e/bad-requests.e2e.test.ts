import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  BecomeVolunteerDocument,
  CancelSosDocument,
  LoginDocument,
  MeDocument,
  RaiseSosDocument,
  RegisterDocument,
  SendMessageDocument,
  SosDocument,
  UpdateLocationDocument,
  VerifyVolunteerDocument,
} from '../../sdk/index';
import { PASSWORD, Role, signInAs, signUp, uniqueEmail, type Actor } from '../helpers/actors';
import { acceptedSos } from '../helpers/chat';
import { expectError } from '../helpers/expect-error';
import { codesOf, overSocket, postGraphQL } from '../helpers/raw-graphql';
import { openRawSocket } from '../helpers/raw-socket';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { freshCentre, volunteerAt } from '../helpers/volunteers';

const env = useTestEnvironment();
let server: TestServer;

beforeAll(async () => {
  server = await env.start({ SOS_PER_HOUR: '50' });
});

const NUL = 'before\u0000after';

describe('control characters in free text are BAD_USER_INPUT naming the field, on both transports', () => {
  let person: Actor;
  beforeAll(async () => {
    person = await signUp(server);
  });

  it('in variables of every kind of free-text input', async () => {
    const cases: [Promise<unknown>, string][] = [
      [server.client().request(RegisterDocument, { input: { email: uniqueEmail(), password: PASSWORD, displayName: NUL } }), 'input.displayName'],
      [server.client().request(LoginDocument, { input: { email: person.email, password: `${PASSWORD}\u0000` } }), 'input.password'],
      [person.client.request(RaiseSosDocument, { input: { location: freshCentre(), category: 'MEDICAL', description: NUL, idempotencyKey: randomUUID() } }), 'input.description'],
      [person.client.request(RaiseSosDocument, { input: { location: freshCentre(), category: 'MEDICAL', idempotencyKey: NUL } }), 'input.idempotencyKey'],
      [person.client.request(BecomeVolunteerDocument, { input: { skills: ['CPR'], bio: NUL } }), 'input.bio'],
      [person.client.request(CancelSosDocument, { sosId: randomUUID(), reason: 'stop\u001b[2J' }), 'reason'],
    ];
    for (const [call, field] of cases) await expectError(call, 'BAD_USER_INPUT', { field });
  });

  it('in messages, notes and reports of a real SOS, and nothing is written', async () => {
    const { person: requester, volunteer, sosId, conversationId } = await acceptedSos(server);
    await expectError(requester.client.request(SendMessageDocument, { conversationId, body: NUL }), 'BAD_USER_INPUT', { field: 'body' });
    const resolve = await postGraphQL(server.url, { query: `mutation { resolveSos(sosId: "${sosId}", note: "done\\u0000") { id } }` }, volunteer.session.accessToken);
    expect(resolve.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'note' } });
    expect(resolve.status).toBe(400);
    const report = await postGraphQL(server.url, { query: 'mutation($s: ID!, $r: String) { reportFakeSos(sosId: $s, reason: $r) }', variables: { s: sosId, r: NUL } }, volunteer.session.accessToken);
    expect(report.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'r' } });
    const { sos } = await requester.client.request(SosDocument, { id: sosId });
    expect(sos!.status).toBe('ACCEPTED');
  });

  it('over the WebSocket too, and tabs and new lines stay allowed', async () => {
    const viaSocket = await overSocket(server.wsUrl, { query: 'mutation($r: String) { cancelSos(sosId: "00000000-0000-4000-8000-000000000000", reason: $r) { id } }', variables: { r: NUL } }, person.session.accessToken);
    expect(viaSocket.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'r' } });
    const fine = await person.client.request(RaiseSosDocument, { input: { location: freshCentre(), category: 'OTHER', description: 'line one\n\tline two\r\n', idempotencyKey: randomUUID() } });
    expect(fine.raiseSos.description).toBe('line one\n\tline two');
  });
});

describe('forged pagination cursors are BAD_USER_INPUT', () => {
  const cursor = (parts: unknown) => Buffer.from(JSON.stringify(parts)).toString('base64url');
  const forged = [cursor(['x', 'y']), cursor(['2026-02-31T00:00:00.000Z', randomUUID()]), cursor([1, 2]), cursor(['99999999999999999999999']), 'not base64 at all!'];

  it('on mySosRequests, myConversations and Conversation.messages', async () => {
    const { person, conversationId } = await acceptedSos(server);
    for (const after of forged) {
      const mine = await postGraphQL(server.url, { query: 'query($a: String) { mySosRequests(after: $a) { edges { cursor } } }', variables: { a: after } }, person.session.accessToken);
      expect(codesOf(mine)).toEqual(['BAD_USER_INPUT']);
      const conversations = await postGraphQL(server.url, { query: 'query($a: String) { myConversations(after: $a) { edges { cursor } } }', variables: { a: after } }, person.session.accessToken);
      expect(codesOf(conversations)).toEqual(['BAD_USER_INPUT']);
      const messages = await postGraphQL(
        server.url,
        { query: 'query($id: ID!, $b: String) { conversation(id: $id) { messages(before: $b) { edges { cursor } } } }', variables: { id: conversationId, b: after } },
        person.session.accessToken,
      );
      expect(codesOf(messages)).toEqual(['BAD_USER_INPUT']);
    }
    // A cursor the API gave out still works.
    const first = await postGraphQL(server.url, { query: 'query { mySosRequests(first: 1) { pageInfo { endCursor } } }' }, person.session.accessToken);
    const endCursor = (first.data as { mySosRequests: { pageInfo: { endCursor: string } } }).mySosRequests.pageInfo.endCursor;
    const next = await postGraphQL(server.url, { query: 'query($a: String) { mySosRequests(after: $a) { edges { cursor } } }', variables: { a: endCursor } }, person.session.accessToken);
    expect(next.errors).toEqual([]);
  });
});

describe('the same document gets the same error code over HTTP and over the WebSocket', () => {
  it.each([
    ['a null for a non-null id', 'query($id: ID!) { sos(id: $id) { id } }', { id: null }],
    ['a boolean for an id', 'query($id: ID!) { sos(id: $id) { id } }', { id: true }],
    ['a fraction for an Int', 'subscription($id: ID!, $seq: Int) { sosUpdates(sosId: $id, afterSeq: $seq) { seq } }', { id: randomUUID(), seq: 1.5 }],
    ['a missing variable', 'subscription($id: ID!) { sosUpdates(sosId: $id) { seq } }', {}],
    ['an enum value that does not exist', 'mutation($i: RaiseSosInput!) { raiseSos(input: $i) { id } }', { i: { location: { latitude: 1, longitude: 1 }, category: 'ALIENS', idempotencyKey: 'k' } }],
  ])('%s', async (_name, query, variables) => {
    const person = await signUp(server);
    const overHttp = await postGraphQL(server.url, { query, variables }, person.session.accessToken);
    const viaSocket = await overSocket(server.wsUrl, { query, variables }, person.session.accessToken);
    expect(codesOf(viaSocket)).toEqual(['BAD_USER_INPUT']);
    // Subscriptions are not served over HTTP; for the others both transports answer alike.
    if (!query.startsWith('subscription')) expect(codesOf(overHttp)).toEqual(codesOf(viaSocket));
  });
});

describe('documents that would cost a lot to validate or run are refused at once', () => {
  /** Each fragment spreads the next one twice: 2^levels expansions of one field. */
  const fanOut = (levels: number) => {
    const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
    return `query { ...F0 } ${fragments.join(' ')} fragment F${levels} on Query { me { id } }`;
  };

  it('a fragment fan-out, however deep, and the server stays responsive', async () => {
    const person = await signUp(server);
    for (const levels of [21, 30]) {
      const result = await postGraphQL(server.url, { query: fanOut(levels) }, person.session.accessToken);
      expect(codesOf(result)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(result.errors[0].message).toMatch(/more than \d+ fields/);
      const viaSocket = await overSocket(server.wsUrl, { query: fanOut(levels) }, person.session.accessToken);
      expect(codesOf(viaSocket)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    }
    expect((await fetch(server.url.replace('/graphql', '/healthz'))).status).toBe(200);
    const { me } = await person.client.request(MeDocument);
    expect(me.id).toBe(person.id);
  });

  it('ten aliased logins in one request (ten password hashes), and too many aliases of anything', async () => {
    const logins = Array.from({ length: 10 }, (_, i) => `l${i}: login(input: {email: "a@b.cd", password: "guess number ${i}"}) { accessToken }`).join(' ');
    const result = await postGraphQL(server.url, { query: `mutation { ${logins} }` });
    expect(codesOf(result)[0]).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(result.errors.map((e) => e.message)).toContain('At most one login per request');
    const twoViaFragments = await postGraphQL(server.url, { query: 'mutation { ...A ...B } fragment A on Mutation { a: logout(refreshToken: "x") } fragment B on Mutation { b: logout(refreshToken: "y") }' });
    expect(twoViaFragments.errors.map((e) => e.message)).toContain('At most one logout per request');
    const aliases = Array.from({ length: 16 }, (_, i) => `m${i}: me { id }`).join(' ');
    expect(codesOf(await postGraphQL(server.url, { query: `{ ${aliases} }` }))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('with introspection off, validation errors suggest no field names', async () => {
    const production = await env.start({ NODE_ENV: 'production', JWT_SECRET: 'a-production-secret-that-is-long-enough-42' });
    const overHttp = await postGraphQL(production.url, { query: '{ mee { id } }' });
    expect(overHttp.errors[0].message).not.toMatch(/Did you mean/);
    expect(codesOf(overHttp)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const withSuggestions = await postGraphQL(server.url, { query: '{ mee { id } }' });
    expect(withSuggestions.errors[0].message).toMatch(/Did you mean "me"\?/);
  });
});

describe('ids compare case-insensitively in every argument', () => {
  it('verifyVolunteer and sos with an upper-case id', async () => {
    const admin = await signInAs(server, Role.ADMIN);
    const volunteer = await volunteerAt(server, freshCentre());
    const { verifyVolunteer } = await admin.client.request(VerifyVolunteerDocument, { volunteerId: volunteer.volunteerId.toUpperCase() });
    expect(verifyVolunteer).toMatchObject({ id: volunteer.volunteerId, verified: true });
    const person = await signUp(server);
    const { raiseSos } = await person.client.request(RaiseSosDocument, { input: { location: freshCentre(), category: 'OTHER', idempotencyKey: randomUUID() } });
    const { sos } = await person.client.request(SosDocument, { id: raiseSos.id.toUpperCase() });
    expect(sos?.id).toBe(raiseSos.id);
  });
});

describe('a valid token of an account that no longer exists', () => {
  async function deleteAccount(userId: string): Promise<void> {
    const db = new Client({ connectionString: env.databaseUrl });
    await db.connect();
    try {
      await db.query('DELETE FROM users WHERE id = $1', [userId]);
    } finally {
      await db.end();
    }
  }

  it('is UNAUTHENTICATED on HTTP, also right after this instance last saw the account', async () => {
    const gone = await volunteerAt(server, freshCentre());
    await deleteAccount(gone.id);
    // Another instance, which has not seen the account lately, reads it and finds it gone.
    const other = await env.start({ SOS_PER_HOUR: '50' });
    const elsewhere = other.client(gone.session);
    await expectError(elsewhere.request(RaiseSosDocument, { input: { location: freshCentre(), category: 'OTHER', idempotencyKey: randomUUID() } }), 'UNAUTHENTICATED');
    await expectError(elsewhere.request(UpdateLocationDocument, { location: freshCentre() }), 'UNAUTHENTICATED');
    await expectError(elsewhere.request(MeDocument), 'UNAUTHENTICATED');
    // This instance saw it a moment ago and lets a token-only request through the check; the
    // insert's foreign key then says the account is gone.
    await expectError(gone.client.request(RaiseSosDocument, { input: { location: freshCentre(), category: 'OTHER', idempotencyKey: randomUUID() } }), 'UNAUTHENTICATED');
  });

  it('cannot open a WebSocket, and an open one is closed (4401) once the account is read', async () => {
    const gone = await signUp(server);
    const open = await openRawSocket(server.wsUrl, { authorization: `Bearer ${gone.session.accessToken}` });
    await open.next('connection_ack');
    await deleteAccount(gone.id);
    // Anything that reads the account (a role check here; a live subscription every few seconds) finds it gone.
    open.send({ id: 'staff', type: 'subscribe', payload: { query: '{ openSosRequests { id } }' } });
    expect((await open.closed).code).toBe(4401);
    const refused = await openRawSocket(server.wsUrl, { authorization: `Bearer ${gone.session.accessToken}` });
    expect(await refused.closed).toMatchObject({ code: 4401 });
  });
});
