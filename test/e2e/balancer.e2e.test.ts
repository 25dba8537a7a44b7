import { randomUUID } from 'node:crypto';
import { AcceptSosDocument, MarkArrivedDocument, RaiseSosDocument, ResolveSosDocument, SosUpdatesDocument, type CareConnectClient } from '../../sdk/index';
import { Role, signInAs, signUp } from '../helpers/actors';
import { HaProxy } from '../helpers/haproxy';
import { spawnServer, type ServerProcess } from '../helpers/spawn-server';
import { clientFactory, useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, freshCentre, volunteerAt } from '../helpers/volunteers';
import { eventually } from '../helpers/wait';

// Three API processes behind Debian's HAProxy with deploy/haproxy.cfg; 1,000 subscribed sockets
// through it; one instance killed with SIGKILL while they follow an SOS.
const env = useTestEnvironment();
const SOCKETS = 1000;
let instances: ServerProcess[] = [];
let balancer: HaProxy;

const clients: CareConnectClient[] = [];

beforeAll(async () => {
  // No matching step beyond the first while the test runs: the SOS's events are the test's own.
  const started = await Promise.allSettled([1, 2, 3].map(() => spawnServer(env.env({ SOS_STEP_TIMEOUT_SECONDS: '3600' }))));
  instances = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  balancer = await new HaProxy().start(instances.map((instance) => instance.url));
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  balancer?.stop();
  await Promise.all(instances.map((instance) => (instance.child.kill('SIGKILL'), instance.exited)));
});

/** An app's request: refused by the balancer while an instance is going (HTTP 503) or UNAVAILABLE, it tries again. */
async function persist<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const { code } = err as { code?: string };
      if (attempt >= 20 || (code !== 'HTTP_503' && code !== 'UNAVAILABLE')) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** WebSockets open on an instance now (its `websocket_connections_open`); 0 once it is gone. */
const socketsOn = (instance: ServerProcess) =>
  fetch(instance.url.replace('/graphql', '/metrics')).then(
    async (response) => Number(/^websocket_connections_open (\d+)$/m.exec(await response.text())?.[1] ?? 0),
    () => 0,
  );

it('keeps 1,000 subscribers through the balancer when an instance dies: those it held reconnect through it and every one gets every event once, in order', async () => {
  // Staff accounts are made the operators' way, on an instance of this test's own (not behind the balancer).
  const admin = await signInAs(await env.start(), Role.ADMIN);
  const through = clientFactory(balancer.url, { attempts: 10, baseDelayMs: 200, maxDelayMs: 2000 });
  const centre = freshCentre();
  const volunteer = await volunteerAt(through as unknown as TestServer, at(100, 0, centre));
  const person = await signUp(through);
  const sosId = (await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } })).raiseSos.id;

  // Staff screens following the SOS, each on a socket of its own.
  const followers = Array.from({ length: SOCKETS }, () => {
    const client = through.client(admin.session);
    clients.push(client);
    return { updates: client.subscribe(SosUpdatesDocument, { sosId, afterSeq: 0 }), seqs: [] as number[] };
  });
  const reading = Promise.all(
    followers.map(async (follower) => {
      for await (const { sosUpdates } of follower.updates) {
        follower.seqs.push(sosUpdates.seq);
        if (sosUpdates.type === 'RESOLVED') break;
      }
    }),
  );
  await eventually(async () => followers.filter((f) => f.seqs.length === 2).length, (n) => n === SOCKETS, 60_000);
  const spread = await Promise.all(instances.map(socketsOn));
  // leastconn spreads them: every instance holds some, the one to die among them.
  expect(spread.every((n) => n > 0)).toBe(true);
  expect(spread.reduce((a, b) => a + b)).toBe(SOCKETS);

  const [victim, ...survivors] = instances;
  victim.child.kill('SIGKILL');
  await victim.exited;
  // Accepted through the balancer while the screens it dropped are reconnecting: they catch up from PostgreSQL.
  await persist(() => volunteer.client.request(AcceptSosDocument, { sosId }));
  // Those the dead instance held come back through the balancer, to the others.
  const killedAt = Date.now();
  await eventually(async () => (await Promise.all(survivors.map(socketsOn))).reduce((a, b) => a + b), (n) => n === SOCKETS, 60_000);
  process.stdout.write(`balancer: ${SOCKETS} sockets spread ${spread.join('/')}; the ${spread[0]} of the killed instance back through HAProxy within ${Date.now() - killedAt} ms\n`);
  await persist(() => volunteer.client.request(MarkArrivedDocument, { sosId }));
  await persist(() => volunteer.client.request(ResolveSosDocument, { sosId, note: null }));

  await reading;
  const expected = [1, 2, 3, 4, 5];
  expect(followers.filter((f) => f.seqs.join() !== expected.join())).toEqual([]);
}, 120_000);
