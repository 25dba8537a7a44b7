// `npm run db:migrate`: creates the database if it is missing and applies pending migrations.
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { applyMigrations, ensureDatabase } from '../src/platform/db';

async function main() {
  const { DATABASE_URL } = loadConfig();
  if (await ensureDatabase(DATABASE_URL)) console.log('created the database');
  const applied = await applyMigrations(DATABASE_URL, join(__dirname, '..', 'prisma', 'migrations'));
  console.log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'database is up to date');
}

main().catch((err: unknown) => {
  console.error(`db:migrate failed: ${(err as Error).message}`);
  process.exit(1);
});
