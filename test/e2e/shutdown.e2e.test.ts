import { Client } from 'pg';
import { MeDocument } from '../../sdk/index';
import { signUp } from '../helpers/actors';
import { openRawSocket } from '../helpers/raw-socket';
import { spawnServer } from '../helpers/spawn-server';
import { clientFactory, useTestEnvironment } from '../helpers/test-environment';

const env = useTestEnvironment();

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('graceful shutdown on SIGTERM', () => {
  it('stops accepting, finishes the in-flight request, closes WebSockets with 1001 and exits 0 within 10 s', async () => {
    const server = await spawnServer(env.env({ PORT: '0' }));
    const wsUrl = server.url.replace(/^http/, 'ws');
    const actor = await signUp(clientFactory(server.url));

    const ws = await openRawSocket(wsUrl, { authorization: `Bearer ${actor.session.accessToken}` });
    await ws.next('connection_ack');

    // Hold a lock the next request needs, so it is provably in flight when the signal arrives.
    const blocker = new Client({ connectionString: env.databaseUrl });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
    const inFlight = actor.client.request(MeDocument);
    // Watched from another connection: inside the blocker's transaction pg_stat_activity is a
    // snapshot taken at its first read, and would never show the request arriving.
    const observer = new Client({ connectionString: env.databaseUrl });
    await observer.connect();
    await waitFor(async () => {
      const { rowCount } = await observer.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
      return (rowCount ?? 0) > 0;
    });
    await observer.end();

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    expect((await ws.closed).code).toBe(1001);
    await waitFor(() =>
      fetch(server.url.replace('/graphql', '/healthz')).then(
        () => false,
        () => true,
      ),
    );

    await blocker.query('COMMIT');
    await blocker.end();
    expect((await inFlight).me.id).toBe(actor.id);

    const exit = await server.exited;
    expect(exit.code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    expect(server.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['signal received', 'shutting down', 'stopped']));
  });
});
