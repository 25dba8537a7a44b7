import { join } from 'node:path';
import { applyMigrations } from '../../src/platform/db';
import { TEMPLATE_DB, TEST_DB_PREFIX, databaseUrl, withAdmin } from './databases';

/**
 * Once per `jest` run: a template database with every migration applied (each test file then
 * copies it in milliseconds), and leftovers of crashed runs removed.
 */
export default async function globalSetup(): Promise<void> {
  await withAdmin(async (admin) => {
    const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${TEST_DB_PREFIX}%`]);
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${TEMPLATE_DB}"`);
  });
  await applyMigrations(databaseUrl(TEMPLATE_DB), join(__dirname, '..', '..', 'prisma', 'migrations'));
}
