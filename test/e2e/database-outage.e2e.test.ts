import { MeDocument } from '../../sdk/index';
import { signUp } from '../helpers/actors';
import { expectError } from '../helpers/expect-error';
import { proxiedDatabase, type TcpProxy } from '../helpers/tcp-proxy';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { eventually } from '../helpers/wait';

// PostgreSQL behind a proxy this file controls: it stalls and cuts the connections.
const env = useTestEnvironment();
let proxy: TcpProxy;
let server: TestServer;

beforeAll(async () => {
  const proxied = await proxiedDatabase(env.databaseUrl);
  proxy = proxied.proxy;
  server = await env.start({ DATABASE_URL: proxied.url, DATABASE_STATEMENT_TIMEOUT_MS: '1000' });
});

afterAll(async () => {
  await proxy.close();
});

async function timed<T>(call: Promise<T>): Promise<number> {
  const started = Date.now();
  await call.catch(() => undefined);
  return Date.now() - started;
}

const circuitOpen = async () => /^db_circuit_open 1$/m.test(await (await fetch(server.url.replace('/graphql', '/metrics'))).text());

describe('a database that stops answering', () => {
  it('stalled: requests answer UNAVAILABLE within the statement timeout, then at once while the circuit is open, and recover', async () => {
    const person = await signUp(server);
    proxy.stall();
    const first = person.client.request(MeDocument);
    await expectError(first, 'UNAVAILABLE');
    expect(await timed(person.client.request(MeDocument))).toBeLessThan(4000);

    // Five failures in a row open the circuit: no more waiting on the stalled database.
    await eventually(async () => {
      await person.client.request(MeDocument).catch(() => undefined);
      return circuitOpen();
    }, (open) => open, 20_000);
    expect(await timed(expectError(person.client.request(MeDocument), 'UNAVAILABLE'))).toBeLessThan(500);

    proxy.restore();
    const { me } = await eventually(() => person.client.request(MeDocument).catch(() => ({ me: null })), (r) => r.me !== null, 10_000);
    expect(me!.id).toBe(person.id);
    expect(await circuitOpen()).toBe(false);
  });

  it('cut: UNAVAILABLE, never a hang or an internal error, and back when it is', async () => {
    const person = await signUp(server);
    proxy.cut();
    await expectError(person.client.request(MeDocument), 'UNAVAILABLE');
    proxy.restore();
    const { me } = await eventually(() => person.client.request(MeDocument).catch(() => ({ me: null })), (r) => r.me !== null, 10_000);
    expect(me!.id).toBe(person.id);
  });
});
