import { randomUUID } from 'node:crypto';
import { AcceptSosDocument, MarkArrivedDocument, MeDocument, RaiseSosDocument, ResolveSosDocument, SosUpdatesDocument, type CareConnectClient } from '../../sdk/index';
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
  // Shutting down, an instance drains for 2 s, as in production.
  const started = await Promise.allSettled([1, 2, 3].map(() => spawnServer(env.env({ SOS_STEP_TIMEOUT_SECONDS: '3600', SHUTDOWN_DRAIN_SECONDS: '2' }))));
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

/**
 * An SOS raised through the balancer, with a volunteer near it, followed by `count` staff screens
 * each on a socket of its own through the balancer; resolves once every screen has its first two
 * events. `reading` ends when every screen has seen it resolved.
 */
async function followedSos(count: number) {
  // Staff accounts are made the operators' way, on an instance of this test's own (not behind the balancer).
  const admin = await signInAs(await env.start(), Role.ADMIN);
  const through = clientFactory(balancer.url, { attempts: 10, baseDelayMs: 200, maxDelayMs: 2000 });
  const centre = freshCentre();
  const volunteer = await volunteerAt(through as unknown as TestServer, at(100, 0, centre));
  const person = await signUp(through);
  const sosId = (await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } })).raiseSos.id;
  const followers = Array.from({ length: count }, () => {
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
  await eventually(async () => followers.filter((f) => f.seqs.length === 2).length, (n) => n === count, 60_000);
  return { volunteer, person, sosId, followers, reading };
}

it('keeps 1,000 subscribers through the balancer when an instance dies: those it held reconnect through it and every one gets every event once, in order', async () => {
  const { volunteer, sosId, followers, reading } = await followedSos(SOCKETS);
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
  await Promise.all(clients.splice(0).map((client) => client.close()));
}, 120_000);

it('drains an instance on SIGTERM: requests through the balancer all succeed meanwhile, and the sockets it held carry on through the others', async () => {
  const alive = instances.filter((instance) => instance.child.exitCode === null && instance.child.signalCode === null);
  expect(alive.length).toBeGreaterThanOrEqual(2);
  const { volunteer, person, sosId, followers, reading } = await followedSos(60);
  const spread = await Promise.all(alive.map(socketsOn));
  const victim = alive[spread.indexOf(Math.max(...spread))];
  expect(Math.max(...spread)).toBeGreaterThan(0);

  // Apps keep asking through the balancer, with no retry of their own, while the instance drains.
  let asking = true;
  const outcomes = { ok: 0, failed: [] as string[] };
  const askers = Array.from({ length: 4 }, async () => {
    while (asking) {
      await person.client.request(MeDocument, {}).then(
        () => outcomes.ok++,
        (err: { code?: string; message?: string }) => outcomes.failed.push(`${err.code}: ${err.message}`),
      );
    }
  });
  await new Promise((r) => setTimeout(r, 300));
  victim.child.kill('SIGTERM');
  // Draining: out of the balancer's rotation by /readyz, yet still answering what reaches it.
  const readyz = victim.url.replace('/graphql', '/readyz');
  await eventually(async () => (await fetch(readyz)).status, (status) => status === 503, 1000);
  expect(await (await fetch(readyz)).json()).toEqual({ status: 'draining' });
  expect((await clientFactory(victim.url).client(person.session).request(MeDocument, {})).me?.id).toBe(person.id);
  expect(await victim.exited).toEqual({ code: 0, signal: null });
  await volunteer.client.request(AcceptSosDocument, { sosId });
  await new Promise((r) => setTimeout(r, 1000));
  asking = false;
  await Promise.all(askers);
  expect(outcomes.failed).toEqual([]);
  expect(outcomes.ok).toBeGreaterThan(20);
  process.stdout.write(`balancer: ${outcomes.ok} requests through HAProxy while an instance drained on SIGTERM, none failed; sockets spread ${spread.join('/')}, the ${Math.max(...spread)} of the draining one carried on through the others\n`);

  await volunteer.client.request(MarkArrivedDocument, { sosId });
  await volunteer.client.request(ResolveSosDocument, { sosId, note: null });
  await reading;
  expect(followers.filter((f) => f.seqs.join() !== [1, 2, 3, 4, 5].join())).toEqual([]);
}, 90_000);
