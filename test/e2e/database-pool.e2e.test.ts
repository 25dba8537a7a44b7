import { Registry } from 'prom-client';
import { createDatabase, inTransaction, type Database } from '../../src/platform/db';
import { isDependencyUnavailable } from '../../src/platform/errors';
import { createLogger } from '../../src/platform/logger';
import { proxiedDatabase, type TcpProxy } from '../helpers/tcp-proxy';
import { useTestEnvironment } from '../helpers/test-environment';

// The pool and its circuit breaker as the API builds them, on a real PostgreSQL (behind a proxy this file cuts).
const env = useTestEnvironment();
let proxy: TcpProxy;
let proxiedUrl: string;
const opened: Database[] = [];

beforeAll(async () => {
  ({ proxy, url: proxiedUrl } = await proxiedDatabase(env.databaseUrl));
});

afterAll(async () => {
  proxy.restore();
  await Promise.all(opened.map((db) => db.close()));
  await proxy.close();
});

function database(poolSize: number, viaProxy = false, preparedStatements = true) {
  const registry = new Registry();
  const db = createDatabase({ url: viaProxy ? proxiedUrl : env.databaseUrl, poolSize, statementTimeoutMs: 1000, preparedStatements, viaPooler: false }, createLogger('silent'), registry);
  opened.push(db);
  const circuitOpen = async () => /^db_circuit_open 1$/m.test(await registry.metrics());
  return { ...db, circuitOpen };
}

describe('prepared statements', () => {
  it('runs parameterised SQL as named prepared statements, parsed once per connection; not when turned off', async () => {
    const sum = 'SELECT $1::int + 1 AS n';
    for (const prepared of [true, false]) {
      const { sql } = database(1, false, prepared);
      for (const n of [1, 2]) expect((await sql.query<{ n: number }>(sum, [n])).rows[0].n).toBe(n + 1);
      const { rows } = await sql.query<{ name: string }>('SELECT name FROM pg_prepared_statements WHERE statement = $1', [sum]);
      expect(rows.map((r) => r.name)).toEqual(prepared ? [expect.stringMatching(/^cc_/)] : []);
    }
  });
});

describe('the PostgreSQL pool under faults', () => {
  it('a connection cut in the middle of a transaction fails that transaction as an outage, crashes nothing, and is not handed out again', async () => {
    const { sql } = database(1, true);
    const [{ pid }] = (await sql.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
    const failed = await inTransaction(sql, async (tx) => {
      await tx.query('SELECT 1');
      proxy.cut();
      // The link dies while the transaction waits between statements (the client's 'error' event comes here).
      await new Promise((r) => setTimeout(r, 100));
      await tx.query('SELECT 2');
    }).catch((err: unknown) => err);
    expect(isDependencyUnavailable(failed)).toBe(true);
    proxy.restore();
    // A fresh connection, not the broken one, and not one still inside BEGIN.
    const { rows } = await sql.query<{ pid: number; inTransaction: boolean }>("SELECT pg_backend_pid() AS pid, now() <> statement_timestamp() AS \"inTransaction\"");
    expect(rows[0].pid).not.toBe(pid);
    expect(rows[0].inTransaction).toBe(false);
  });

  it('a full pool under a burst (callers waiting for a connection in vain) does not open the circuit', async () => {
    const db = database(1);
    const held = await db.sql.connect();
    // Each waits connectionTimeoutMillis for the one connection and fails the way an unreachable database does.
    const waits = await Promise.allSettled(Array.from({ length: 6 }, () => db.sql.connect()));
    expect(waits.every((w) => w.status === 'rejected' && /timeout exceeded when trying to connect/.test(String(w.reason)))).toBe(true);
    held.release();
    expect(await db.circuitOpen()).toBe(false);
    expect((await db.sql.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('five refused connections in a row open it, and the first connection taken after the database returns closes it', async () => {
    const db = database(2, true);
    proxy.cut();
    for (let i = 0; i < 5; i++) await db.sql.connect().then((c) => c.release(), () => undefined);
    expect(await db.circuitOpen()).toBe(true);
    proxy.restore();
    await new Promise((r) => setTimeout(r, 1100));
    // Only transactions run here: taking their connection is the probe.
    expect(await inTransaction(db.sql, async (tx) => (await tx.query<{ one: number }>('SELECT 1 AS one')).rows[0].one)).toBe(1);
    expect(await db.circuitOpen()).toBe(false);
  });
});
