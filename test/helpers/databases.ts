import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { loadConfig } from '../../src/config';

/** Test databases live on the server of DATABASE_URL (default: the local one). */
export const SERVER_URL = loadConfig({ DATABASE_URL: process.env.DATABASE_URL }).DATABASE_URL;
export const TEST_DB_PREFIX = 'careconnect_test_';

/**
 * Every jest run names its databases after itself (`careconnect_test_<started at>_...`, the run id
 * set by global-setup): two runs on one server, a CI run and a developer's, never touch each
 * other's databases.
 */
export function runPrefix(): string {
  const run = process.env.CC_TEST_RUN;
  if (!run) throw new Error('CC_TEST_RUN is unset: test databases are made by jest, whose global setup names the run');
  return `${TEST_DB_PREFIX}${run}_`;
}

export const templateDb = () => `${runPrefix()}template`;

export function databaseUrl(name: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database for one test file, copied from the template global-setup made. */
export async function createTestDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `${runPrefix()}${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE "${name}" TEMPLATE "${templateDb()}"`));
  return {
    name,
    url: databaseUrl(name),
    drop: () => withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/** Reads rows straight from a test database (what the API wrote, as the database has it). */
export async function queryRows<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}
