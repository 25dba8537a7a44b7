import { MeDocument } from '../../sdk/index';
import { signUp } from '../helpers/actors';
import { expectError } from '../helpers/expect-error';
import { openRawSocket } from '../helpers/raw-socket';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { craftAccessToken } from '../helpers/tokens';

const env = useTestEnvironment();
let server: TestServer;

beforeAll(async () => {
  server = await env.start();
});

const withToken = (token: string) => server.client(null, { authorization: `Bearer ${token}` });

describe('access tokens over HTTP', () => {
  it('no token: anonymous, and `me` is UNAUTHENTICATED', async () => {
    await expectError(server.client().request(MeDocument), 'UNAUTHENTICATED');
  });

  it('an expired token is refused with 401 UNAUTHENTICATED', async () => {
    const actor = await signUp(server);
    const error = await expectError(withToken(craftAccessToken(actor.id, { expiresInSeconds: -1 })).request(MeDocument), 'UNAUTHENTICATED');
    expect(error.status).toBe(401);
  });

  it('a token signed with another secret is refused', async () => {
    const actor = await signUp(server);
    const forged = craftAccessToken(actor.id, { expiresInSeconds: 600, role: 'ADMIN', secret: 'an-attacker-secret-that-is-long-enough-xx' });
    expect((await expectError(withToken(forged).request(MeDocument), 'UNAUTHENTICATED')).status).toBe(401);
  });

  it('a token with its payload edited (alg none, tampered role) is refused', async () => {
    const actor = await signUp(server);
    const [header, , signature] = actor.session.accessToken.split('.');
    const payload = Buffer.from(JSON.stringify({ sub: actor.id, role: 'ADMIN', typ: 'access', iss: 'careconnect', exp: 4102444800 })).toString('base64url');
    await expectError(withToken(`${header}.${payload}.${signature}`).request(MeDocument), 'UNAUTHENTICATED');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    await expectError(withToken(`${none}.${payload}.`).request(MeDocument), 'UNAUTHENTICATED');
  });

  it('garbage in the Authorization header is refused', async () => {
    for (const header of ['Bearer', 'Bearer not.a.jwt', 'Basic dXNlcjpwYXNz', 'nonsense']) {
      await expectError(server.client(null, { authorization: header }).request(MeDocument), 'UNAUTHENTICATED');
    }
  });

  it('a valid token of a deleted account is UNAUTHENTICATED', async () => {
    const ghost = craftAccessToken('00000000-0000-4000-8000-000000000001', { expiresInSeconds: 600 });
    await expectError(withToken(ghost).request(MeDocument), 'UNAUTHENTICATED');
  });
});

describe('access tokens over WebSocket', () => {
  it('a valid token: the connection is acknowledged and operations run as that user', async () => {
    const actor = await signUp(server);
    const ws = await openRawSocket(server.wsUrl, { authorization: `Bearer ${actor.session.accessToken}` });
    await ws.next('connection_ack');
    ws.send({ id: '1', type: 'subscribe', payload: { query: '{ me { id } }' } });
    expect(await ws.next('next')).toMatchObject({ id: '1', payload: { data: { me: { id: actor.id } } } });
    ws.socket.close();
  });

  it.each([
    ['missing', undefined],
    ['forged', { authorization: `Bearer ${craftAccessToken('00000000-0000-4000-8000-000000000002', { expiresInSeconds: 600, secret: 'x'.repeat(40) })}` }],
    ['expired', { authorization: `Bearer ${craftAccessToken('00000000-0000-4000-8000-000000000002', { expiresInSeconds: -5 })}` }],
    ['malformed', { authorization: 'Bearer nope' }],
  ])('a %s token: the socket is closed with 4401 when it opens', async (_name, params) => {
    const ws = await openRawSocket(server.wsUrl, params);
    expect((await ws.closed).code).toBe(4401);
  });

  it('the socket is closed with 4401 the moment its token expires', async () => {
    const actor = await signUp(server);
    const ws = await openRawSocket(server.wsUrl, { authorization: `Bearer ${craftAccessToken(actor.id, { expiresInSeconds: 2 })}` });
    await ws.next('connection_ack');
    const opened = Date.now();
    const { code } = await ws.closed;
    expect(code).toBe(4401);
    expect(Date.now() - opened).toBeLessThan(3500);
  });

  it('a well-signed token of an account that does not exist is refused when the socket opens (4401)', async () => {
    const ghost = craftAccessToken('00000000-0000-4000-8000-000000000003', { expiresInSeconds: 600 });
    const ws = await openRawSocket(server.wsUrl, { authorization: `Bearer ${ghost}` });
    expect((await ws.closed).code).toBe(4401);
  });

  it('errors over WebSocket are formatted like over HTTP', async () => {
    const person = await signUp(server);
    const ws = await openRawSocket(server.wsUrl, { authorization: `Bearer ${person.session.accessToken}` });
    await ws.next('connection_ack');
    ws.send({ id: '1', type: 'subscribe', payload: { query: '{ user(id: "00000000-0000-4000-8000-000000000003") { id } }' } });
    const message = await ws.next('next');
    expect(message).toMatchObject({ payload: { errors: [{ extensions: { code: 'FORBIDDEN' } }] } });
    ws.send({ id: '2', type: 'subscribe', payload: { query: '{ nope }' } });
    expect(await ws.next('error')).toMatchObject({ id: '2', payload: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
    ws.send({ id: '3', type: 'subscribe', payload: { query: '{ me { id ' } });
    expect(await ws.next('error')).toMatchObject({ id: '3', payload: [{ extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] });
    ws.socket.close();
  });
});
