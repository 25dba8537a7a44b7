import WebSocket from 'ws';
import { LoginDocument, MeDocument, RegisterDocument } from '../../sdk/index';
import { PASSWORD, signUp, uniqueEmail } from '../helpers/actors';
import { expectError } from '../helpers/expect-error';
import { openRawSocket } from '../helpers/raw-socket';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';

const env = useTestEnvironment();
let server: TestServer;
const CLOSED_PORT = 'postgresql://postgres@127.0.0.1:9/careconnect';

beforeAll(async () => {
  server = await env.start();
});

const base = (s: TestServer) => s.url.replace(/\/graphql$/, '');
const post = (s: TestServer, body: string, headers: Record<string, string> = {}) =>
  fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('security headers', () => {
  it('are sent to browsers, with a strict CSP when the IDE is off', async () => {
    const strict = await env.start({ GRAPHQL_IDE: 'false' });
    const response = await fetch(`${base(strict)}/healthz`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(response.headers.get('x-powered-by')).toBeNull();
    await strict.stop();
  });

  it('leave the IDE working where it is on (development)', async () => {
    const page = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    expect(page.headers.get('content-security-policy')).toBeNull();
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('health', () => {
  it('/healthz says the process is alive', async () => {
    const response = await fetch(`${base(server)}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when PostgreSQL and Redis answer, and says which notification channels are off', async () => {
    const response = await fetch(`${base(server)}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ready',
      failed: [],
      checks: { postgres: 'ok', redis: 'ok' },
      notifications: { fcm: 'off', apns: 'off', sms: 'off', mail: 'off' },
    });
  });

  it('/readyz is 503 naming Redis when Redis is down; sign-up and sign-in still work', async () => {
    const degraded = await env.start({ REDIS_URL: 'redis://127.0.0.1:9' });
    const response = await fetch(`${base(degraded)}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'unavailable', failed: ['redis'], checks: { postgres: 'ok', redis: 'failed' } });

    // Rate limiting fails open: an outage of the cache must not lock people out.
    const actor = await signUp(degraded);
    const { login } = await degraded.client().request(LoginDocument, { input: { email: actor.email, password: PASSWORD } });
    expect(login.user.id).toBe(actor.id);
  });

  it('/readyz is 503 naming PostgreSQL when it is down; requests get UNAVAILABLE without internals', async () => {
    const degraded = await env.start({ DATABASE_URL: CLOSED_PORT });
    const response = await fetch(`${base(degraded)}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ failed: ['postgres'], checks: { postgres: 'failed', redis: 'ok' } });

    await expectError(degraded.client().request(RegisterDocument, { input: { email: uniqueEmail(), password: PASSWORD, displayName: 'Nobody' } }), 'UNAVAILABLE');
    const actor = await signUp(server);
    await expectError(degraded.client(actor.session).request(MeDocument), 'UNAVAILABLE');
  });
});

describe('metrics', () => {
  it('counts and times operations by name and outcome, and gauges open WebSockets', async () => {
    const actor = await signUp(server);
    await actor.client.request(MeDocument);
    await expectError(server.client().request(MeDocument), 'UNAUTHENTICATED');
    const ws = await openRawSocket(server.wsUrl, { authorization: `Bearer ${actor.session.accessToken}` });
    await ws.next('connection_ack');

    const text = await (await fetch(`${base(server)}/metrics`)).text();
    expect(text).toMatch(/graphql_requests_total\{operation="Me",type="query",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/graphql_requests_total\{operation="Me",type="query",outcome="unauthenticated"\} [1-9]/);
    expect(text).toMatch(/graphql_request_duration_seconds_bucket\{le="0.1",operation="Register",type="mutation",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/websocket_connections_open 1/);
    expect(text).toMatch(/graphql_subscriptions_active 0/);
    expect(text).toMatch(/process_cpu_user_seconds_total/);
    ws.socket.close();
    await ws.closed;
  });
});

describe('HTTP hygiene', () => {
  it('echoes a request id, keeping a sane one the client sent', async () => {
    const generated = await post(server, '{"query":"{ __typename }"}');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const given = await post(server, '{"query":"{ __typename }"}', { 'x-request-id': 'app-1234-abcd' });
    expect(given.headers.get('x-request-id')).toBe('app-1234-abcd');
  });

  it('blocks a CSRF-able GET (no preflight-forcing header)', async () => {
    const response = await fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`);
    expect(response.status).toBe(400);
  });

  it('refuses an oversized body with 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await post(server, JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(200_000) } }));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ errors: [{ message: 'Request body too large', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  });

  it('refuses malformed JSON with 400 BAD_REQUEST', async () => {
    const response = await post(server, '{"query": ');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('answers unknown paths with a JSON 404', async () => {
    const response = await fetch(`${base(server)}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'NOT_FOUND' } }] });
  });

  it('refuses operations nested deeper than GRAPHQL_MAX_DEPTH, over HTTP and WebSocket', async () => {
    const deep = '{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } }';
    const response = await post(server, JSON.stringify({ query: deep }));
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(body.errors[0].message).toMatch(/nested 11 levels deep; the limit is 10/);

    const actor = await signUp(server);
    const ws = await openRawSocket(server.wsUrl, { authorization: `Bearer ${actor.session.accessToken}` });
    await ws.next('connection_ack');
    ws.send({ id: 'deep', type: 'subscribe', payload: { query: deep } });
    expect(await ws.next('error')).toMatchObject({ payload: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
    ws.socket.close();
  });

  it('refuses operations costing more than GRAPHQL_MAX_COST', async () => {
    const cheap = await env.start({ GRAPHQL_MAX_COST: '20' });
    const aliases = Array.from({ length: 12 }, (_, i) => `a${i}: me { id }`).join(' ');
    const response = await post(cheap, JSON.stringify({ query: `{ ${aliases} }` }));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]).toMatchObject({ message: 'Operation costs 24; the limit is 20', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  });

  it('answers CORS preflights only for configured origins', async () => {
    const withCors = await env.start({ CORS_ORIGINS: 'https://app.careconnect.dev' });
    const preflight = (origin: string) =>
      fetch(withCors.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });
    expect((await preflight('https://app.careconnect.dev')).headers.get('access-control-allow-origin')).toBe('https://app.careconnect.dev');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('development versus production', () => {
  const introspect = (s: TestServer) => post(s, JSON.stringify({ query: '{ __schema { queryType { name } } }' })).then((r) => r.json());
  const landingPage = (s: TestServer) => fetch(s.url, { headers: { accept: 'text/html' } }).then((r) => r.text());

  it('development serves introspection and the Sandbox IDE', async () => {
    expect(await introspect(server)).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    expect(await landingPage(server)).toMatch(/sandbox/i);
  });

  it('production turns both off by default', async () => {
    const production = await env.start({ NODE_ENV: 'production' });
    expect(await introspect(production)).toMatchObject({ errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
    expect(await landingPage(production)).not.toMatch(/sandbox/i);
  });
});

describe('WebSocket limits', () => {
  it('closes a socket that sends a message over REQUEST_BODY_LIMIT_BYTES', async () => {
    const actor = await signUp(server);
    const ws = await openRawSocket(server.wsUrl, { authorization: `Bearer ${actor.session.accessToken}` });
    await ws.next('connection_ack');
    ws.send({ id: 'big', type: 'subscribe', payload: { query: '{ __typename }', variables: { pad: 'x'.repeat(200_000) } } });
    expect((await ws.closed).code).toBe(1009);
    expect(ws.socket.readyState).toBe(WebSocket.CLOSED);
  });
});
