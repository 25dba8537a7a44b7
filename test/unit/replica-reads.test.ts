import type { Pool } from 'pg';
import { Registry } from 'prom-client';
import { ReplicaReads } from '../../src/platform/db';
import { createLogger } from '../../src/platform/logger';

/**
 * A pool that answers the replica checks as a caught-up replica (or a primary) would, and the
 * read itself with `read`: enough of pg's Pool for ReplicaReads, which only calls `query`.
 */
function fakePool(name: string, read: () => Promise<unknown>): Pool {
  return {
    query: async (text: string) => {
      if (text.includes('pg_is_in_recovery')) return { rows: [{ recovering: name === 'replica' }] };
      if (text.includes('pg_current_wal_insert_lsn')) return { rows: [{ lsn: '0/10' }] };
      if (text.includes('pg_last_wal_replay_lsn')) return { rows: [{ ok: true }] };
      return { rows: [await read()] };
    },
  } as unknown as Pool;
}

const fails = (err: Error & { code?: string }) => () => Promise.reject(err);
const answers = (name: string) => () => Promise.resolve({ from: name });

async function readThrough(replica: () => Promise<unknown>) {
  const registry = new Registry();
  const reads = new ReplicaReads(fakePool('primary', answers('primary')), fakePool('replica', replica), 100, registry, createLogger('silent'));
  const result = await reads.read((db) => db.query('SELECT history'));
  const served = (await registry.getSingleMetric('db_replica_reads_total')!.get()).values.map((v) => `${v.labels.by}:${v.value}`);
  return { from: (result.rows[0] as { from: string }).from, served };
}

describe('reads through the replica', () => {
  it('go to a caught-up replica', async () => {
    expect(await readThrough(answers('replica'))).toEqual({ from: 'replica', served: ['replica:1'] });
  });

  it('go again to the primary when the replica fails them after its check (gone away, or a recovery conflict)', async () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const terminated = new Error('Connection terminated unexpectedly');
    const conflict = Object.assign(new Error('canceling statement due to conflict with recovery'), { code: '40001' });
    for (const err of [reset, terminated, conflict]) expect(await readThrough(fails(err))).toEqual({ from: 'primary', served: ['primary:1'] });
  });

  it('do not repeat on the primary a read the replica refused for what it asked, or found too slow', async () => {
    const syntax = Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601' });
    await expect(readThrough(fails(syntax))).rejects.toThrow('syntax error');
    const timeout = Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
    await expect(readThrough(fails(timeout))).rejects.toThrow('statement timeout');
  });
});
