// Prisma CLI configuration. Only `prisma generate` is used (see package.json); migrations are
// applied by scripts/migrate.ts, so the URL here is a placeholder the generator never dials.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/careconnect' },
});
