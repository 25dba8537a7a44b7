import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { AcceptSosDocument, ExportMyDataDocument, MySosRequestsDocument, RaiseSosDocument, ResponseStatsDocument } from '../../sdk/index';
import { applyMigrations } from '../../src/platform/db';
import { Role, signInAs, signUp, type Actor } from '../helpers/actors';
import { queryRows } from '../helpers/databases';
import { freePort } from '../helpers/redis-process';
import { ReplicatedPostgres } from '../helpers/replicated-postgres';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, freshCentre, volunteerAt } from '../helpers/volunteers';
import { eventually } from '../helpers/wait';

const env = useTestEnvironment();
const postgres = new ReplicatedPostgres();
let server: TestServer;

beforeAll(async () => {
  await postgres.start();
  await queryRows(postgres.url('primary'), 'CREATE DATABASE careconnect');
  await applyMigrations(postgres.url('primary', 'careconnect'), join(__dirname, '..', '..', 'prisma', 'migrations'));
  server = await env.start({ DATABASE_URL: postgres.url('primary', 'careconnect'), DATABASE_REPLICA_URL: postgres.url('replica', 'careconnect'), DATABASE_REPLICA_MAX_WAIT_MS: '300' });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await postgres.stop();
});

/** Statistics by day of the hours around now: every SOS of the test. */
const aroundNow = () => ({ from: new Date(Date.now() - 3600_000).toISOString(), to: new Date(Date.now() + 3600_000).toISOString(), groupBy: 'DAY' as const });

/** Reads meant for the replica so far, by who served them (`db_replica_reads_total`). */
async function servedBy(on: TestServer = server): Promise<{ replica: number; primary: number }> {
  const text = await (await fetch(on.url.replace('/graphql', '/metrics'))).text();
  const count = (by: string) => Number(new RegExp(`^db_replica_reads_total\\{by="${by}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { replica: count('replica'), primary: count('primary') };
}

/** Who served the reads `work` made: the replica alone, or the primary alone. */
async function servingOf(work: () => Promise<unknown>, on: TestServer = server): Promise<'replica' | 'primary' | 'both' | 'none'> {
  const before = await servedBy(on);
  await work();
  const after = await servedBy(on);
  const [replica, primary] = [after.replica > before.replica, after.primary > before.primary];
  return replica && primary ? 'both' : replica ? 'replica' : primary ? 'primary' : 'none';
}

describe('a streaming read replica (DATABASE_REPLICA_URL)', () => {
  it('serves statistics, history pages and data exports once it has every write; while it lags the primary does, so nobody misses their own write; matching and accepts never wait for it', async () => {
    const admin = await signInAs(server, Role.ADMIN);
    const sosCount = async () => (await admin.client.request(ResponseStatsDocument, aroundNow())).responseStats.total?.sosCount ?? 0;
    const raise = async () => {
      const centre = freshCentre();
      const volunteer = await volunteerAt(server, at(100, 0, centre));
      const person = await signUp(server);
      const sosId = (await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } })).raiseSos.id;
      expect((await volunteer.client.request(AcceptSosDocument, { sosId })).acceptSos.status).toBe('ACCEPTED');
      return { person, sosId };
    };
    // A history page: the person's own SOS, read right after raising it.
    const historyOf = async ({ person }: { person: Actor }) => (await person.client.request(MySosRequestsDocument, {})).mySosRequests.edges.map((e) => e.node.id);
    // A data export: the SOS the person raised, in it.
    const exportedOf = async ({ person }: { person: Actor }) => ((await person.client.request(ExportMyDataDocument, {})).exportMyData as { sos: { raised: { id: string }[] } }).sos.raised.map((s) => s.id);
    const countOnReplica = async () => Number((await queryRows<{ n: string }>(postgres.url('replica', 'careconnect'), 'SELECT count(*) AS n FROM sos_requests'))[0].n);

    // Streaming: statistics asked right after a raise see it, from the replica.
    await raise();
    let count = 0;
    expect(await servingOf(async () => (count = await sosCount()))).toBe('replica');
    expect(count).toBe(1);

    // The replica stops replaying, as one under load falls behind: raising and accepting go on
    // (they use the primary alone); statistics come from the primary, with the new SOS in them.
    await queryRows(postgres.url('replica', 'careconnect'), 'SELECT pg_wal_replay_pause()');
    const raised = await raise();
    expect(await countOnReplica()).toBe(1);
    let history: string[] = [];
    expect(await servingOf(async () => (history = await historyOf(raised)))).toBe('primary');
    expect(history).toEqual([raised.sosId]);
    let exported: string[] = [];
    expect(await servingOf(async () => (exported = await exportedOf(raised)))).toBe('primary');
    expect(exported).toEqual([raised.sosId]);
    expect(await servingOf(async () => (count = await sosCount()))).toBe('primary');
    expect(count).toBe(2);

    // Caught up again: the replica serves them once more.
    await queryRows(postgres.url('replica', 'careconnect'), 'SELECT pg_wal_replay_resume()');
    await eventually(countOnReplica, (n) => n === 2);
    expect(await servingOf(async () => (count = await sosCount()))).toBe('replica');
    expect(count).toBe(2);
    expect(await servingOf(async () => (history = await historyOf(raised)))).toBe('replica');
    expect(history).toEqual([raised.sosId]);
    expect(await servingOf(async () => (exported = await exportedOf(raised)))).toBe('replica');
    expect(exported).toEqual([raised.sosId]);
  });

  it('leaves reads to the primary while the replica cannot be reached', async () => {
    const unreachable = new URL(postgres.url('replica', 'careconnect'));
    unreachable.port = String(await freePort());
    const alone = await env.start({ DATABASE_URL: postgres.url('primary', 'careconnect'), DATABASE_REPLICA_URL: unreachable.toString() });
    const admin = await signInAs(alone, Role.ADMIN);
    let count = -1;
    expect(await servingOf(async () => (count = (await admin.client.request(ResponseStatsDocument, aroundNow())).responseStats.total?.sosCount ?? 0), alone)).toBe('primary');
    const stored = await queryRows<{ n: string }>(postgres.url('primary', 'careconnect'), 'SELECT count(*) AS n FROM sos_requests');
    expect(count).toBe(Number(stored[0].n));
  });

  it('is refused when DATABASE_REPLICA_URL names a primary: reads go to the primary at once', async () => {
    const misnamed = await env.start({ DATABASE_URL: postgres.url('primary', 'careconnect'), DATABASE_REPLICA_URL: postgres.url('primary', 'careconnect'), DATABASE_REPLICA_MAX_WAIT_MS: '5000' });
    const admin = await signInAs(misnamed, Role.ADMIN);
    const startedAt = Date.now();
    expect(await servingOf(() => admin.client.request(ResponseStatsDocument, aroundNow()), misnamed)).toBe('primary');
    // Not after waiting out DATABASE_REPLICA_MAX_WAIT_MS (5 s for each of its two reads) for a replay that never comes.
    expect(Date.now() - startedAt).toBeLessThan(5000);
  });
});
