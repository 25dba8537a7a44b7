// npm run db:seed: demo accounts, one per role (listed in the README). Idempotent; refused in
// production, where accounts come from `npm run user:create` with real passwords.
import { Role } from '../src/platform/auth';
import { withModules } from '../scripts/lib/with-modules';

const DEMO_PASSWORD = 'careconnect-demo';

const DEMO_ACCOUNTS = [
  { email: 'admin@demo.careconnect.dev', displayName: 'Ada Admin', role: Role.ADMIN },
  { email: 'pro@demo.careconnect.dev', displayName: 'Paul Paramedic', role: Role.PROFESSIONAL },
  { email: 'volunteer@demo.careconnect.dev', displayName: 'Vera Volunteer', role: Role.VOLUNTEER },
  { email: 'user@demo.careconnect.dev', displayName: 'Uma User', role: Role.USER },
] as const;

void withModules('db:seed', async (modules, config) => {
  if (config.NODE_ENV === 'production') throw new Error('refusing to seed demo accounts when NODE_ENV=production');
  for (const account of DEMO_ACCOUNTS) await modules.auth.ensureAccount({ ...account, password: DEMO_PASSWORD });
  console.log(`seeded ${DEMO_ACCOUNTS.length} demo accounts (password "${DEMO_PASSWORD}")`);
});
