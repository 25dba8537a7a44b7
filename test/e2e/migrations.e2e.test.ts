import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { applyMigrations, ensureDatabase } from '../../src/platform/db';
import { databaseUrl, runPrefix, withAdmin } from '../helpers/databases';

const name = `${runPrefix()}migrations_${process.pid}`;
const url = databaseUrl(name);
let dir: string;

const write = (migration: string, sql: string) => {
  mkdirSync(join(dir, migration), { recursive: true });
  writeFileSync(join(dir, migration, 'migration.sql'), sql);
};

async function query<T>(sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'migrations-'));
});

afterEach(async () => {
  rmSync(dir, { recursive: true, force: true });
  await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
});

it('creates the database once and applies each migration once, in name order, even when run concurrently', async () => {
  expect(await ensureDatabase(url)).toBe(true);
  expect(await ensureDatabase(url)).toBe(false);
  write('002_second', 'INSERT INTO things VALUES (2);');
  write('001_first', 'CREATE TABLE things (n int);');
  const runs = await Promise.all([applyMigrations(url, dir), applyMigrations(url, dir), applyMigrations(url, dir)]);
  expect(runs.flat()).toEqual(['001_first', '002_second']);
  expect(await applyMigrations(url, dir)).toEqual([]);
  expect(await query('SELECT n FROM things')).toEqual([{ n: 2 }]);
  const recorded = await query<{ migration_name: string; checksum: string }>('SELECT migration_name, checksum FROM _prisma_migrations ORDER BY migration_name');
  expect(recorded.map((r) => r.migration_name)).toEqual(['001_first', '002_second']);
  expect(recorded[0].checksum).toMatch(/^[0-9a-f]{64}$/);
});

it('rolls a failing migration back whole and stops there', async () => {
  await ensureDatabase(url);
  write('001_ok', 'CREATE TABLE ok (n int);');
  write('002_broken', 'CREATE TABLE half (n int); SELECT * FROM no_such_table;');
  write('003_later', 'CREATE TABLE later (n int);');
  await expect(applyMigrations(url, dir)).rejects.toThrow(/Migration 002_broken failed: relation "no_such_table" does not exist/);
  const tables = await query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
  expect(tables.map((t) => t.tablename)).toEqual(['_prisma_migrations', 'ok']);
});

it('refuses to go on when an applied migration was edited', async () => {
  await ensureDatabase(url);
  write('001_first', 'CREATE TABLE things (n int);');
  await applyMigrations(url, dir);
  write('001_first', 'CREATE TABLE things (n bigint);');
  await expect(applyMigrations(url, dir)).rejects.toThrow(/001_first was changed after it was applied/);
});
