import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { AcceptSosDocument, ConversationDocument, RaiseSosDocument, ResolveSosDocument, ResponseStatsDocument, SendMessageDocument, SosConversationDocument } from '../../sdk/index';
import { Role, signInAs, signUp, type Actor } from '../helpers/actors';
import { queryRows } from '../helpers/databases';
import { PgBouncer, setPooledSessionSettings } from '../helpers/pgbouncer';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, freshCentre, volunteerAt } from '../helpers/volunteers';

const env = useTestEnvironment();
/** Server connections PgBouncer keeps to the database, for two instances of 10 client connections each. */
const SERVER_CONNECTIONS = 3;
let bouncer: PgBouncer;
let first: TestServer;
let second: TestServer;

beforeAll(async () => {
  bouncer = await new PgBouncer(new URL(env.databaseUrl)).start(SERVER_CONNECTIONS);
  await setPooledSessionSettings(env.databaseUrl);
  const through = { DATABASE_URL: bouncer.url(env.databaseUrl), DATABASE_VIA_POOLER: 'true', DATABASE_PREPARED_STATEMENTS: 'false', DATABASE_POOL_SIZE: '10' };
  first = await env.start(through);
  second = await env.start(through);
});

afterAll(async () => {
  await Promise.all([first?.stop(), second?.stop()]);
  bouncer?.stop();
});

/** The same person, signed in with the same tokens, as a client of the second instance. */
function onSecond(person: Actor) {
  const client = second.client();
  client.setSession(person.session);
  return client;
}

describe('PostgreSQL behind PgBouncer in transaction pooling mode', () => {
  it('serves the SOS loop and chat on two instances: a race to accept is won once, the conversation holds what was sent', async () => {
    const centre = freshCentre();
    const volunteers = [await volunteerAt(first, at(100, 0, centre)), await volunteerAt(second, at(150, 90, centre))];
    const person = await signUp(first);
    const sosId = (await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } })).raiseSos.id;

    const outcomes = await Promise.allSettled(volunteers.map((volunteer) => onSecond(volunteer).request(AcceptSosDocument, { sosId })));
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const winner = volunteers[outcomes.findIndex((o) => o.status === 'fulfilled')];
    const conversationId = (await person.client.request(SosConversationDocument, { id: sosId })).sos!.conversation!.id;
    await winner.client.request(SendMessageDocument, { conversationId, body: 'Two minutes away', clientMessageId: randomUUID() });
    const { conversation } = await onSecond(person).request(ConversationDocument, { id: conversationId });
    expect(conversation!.messages.edges.map((e) => e.node.body)).toEqual(['Two minutes away']);
    expect((await onSecond(person).request(ResolveSosDocument, { sosId, note: null })).resolveSos.status).toBe('RESOLVED');
  });

  it('takes a burst of raises and retries from many clients over a few server connections, each SOS stored once', async () => {
    const admin = new Client({ connectionString: bouncer.url(env.databaseUrl).replace(/\/[^/?]+(\?|$)/, '/pgbouncer$1') });
    await admin.connect();
    let clientsAtOnce = 0;
    let serversAtOnce = 0;
    const name = new URL(env.databaseUrl).pathname.slice(1);
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const { rows } = await admin.query<{ database: string; cl_active: string; cl_waiting: string; sv_active: string; sv_idle: string; sv_used: string }>('SHOW POOLS');
        const pool = rows.find((r) => r.database === name);
        if (pool) {
          clientsAtOnce = Math.max(clientsAtOnce, Number(pool.cl_active) + Number(pool.cl_waiting));
          serversAtOnce = Math.max(serversAtOnce, Number(pool.sv_active) + Number(pool.sv_idle) + Number(pool.sv_used));
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    const people = await Promise.all(Array.from({ length: 24 }, (_, i) => signUp(i % 2 ? first : second)));
    // Each person sends their raise three times at once (a client retrying): one SOS each.
    const raised = await Promise.all(
      people.map(async (person, i) => {
        const input = { location: at(50 * i, 0, freshCentre()), category: 'MEDICAL' as const, idempotencyKey: randomUUID() };
        const attempts = await Promise.all([person.client, onSecond(person), person.client].map((client) => client.request(RaiseSosDocument, { input })));
        return new Set(attempts.map((a) => a.raiseSos.id));
      }),
    );
    sampling = false;
    await sampler;
    await admin.end();

    expect(raised.every((ids) => ids.size === 1)).toBe(true);
    const stored = await queryRows<{ count: string }>(env.databaseUrl, 'SELECT count(*) FROM sos_requests WHERE requester_id = ANY($1::uuid[])', [people.map((p) => p.id)]);
    expect(Number(stored[0].count)).toBe(people.length);
    // Many clients at once were served by at most the pooler's few server connections.
    expect(clientsAtOnce).toBeGreaterThan(SERVER_CONNECTIONS);
    expect(serversAtOnce).toBeLessThanOrEqual(SERVER_CONNECTIONS);
  });

  it('leaves no session state behind: a transaction-local setting ends with its transaction', async () => {
    const staff = await signInAs(first, Role.ADMIN);
    const to = new Date().toISOString();
    const from = new Date(Date.now() - 86_400_000).toISOString();
    // Statistics raise work_mem for their own transaction (SET LOCAL); on a shared server connection a plain SET would outlive it.
    await Promise.all(Array.from({ length: 6 }, () => staff.client.request(ResponseStatsDocument, { from, to, groupBy: 'DAY' })));
    // Every server connection, each held by a transaction of its own at the same time.
    const clients = Array.from({ length: SERVER_CONNECTIONS }, () => new Client({ connectionString: bouncer.url(env.databaseUrl) }));
    const settings = await Promise.all(
      clients.map(async (client) => {
        await client.connect();
        await client.query('BEGIN');
        const { rows } = await client.query<{ work_mem: string; pid: number }>('SELECT current_setting($1) AS work_mem, pg_backend_pid() AS pid', ['work_mem']);
        return rows[0];
      }),
    );
    await Promise.all(clients.map((client) => client.query('COMMIT').then(() => client.end())));
    expect(new Set(settings.map((s) => s.pid)).size).toBe(SERVER_CONNECTIONS);
    expect(new Set(settings.map((s) => s.work_mem))).toEqual(new Set([(await queryRows<{ work_mem: string }>(env.databaseUrl, 'SHOW work_mem'))[0].work_mem]));
  });
});
