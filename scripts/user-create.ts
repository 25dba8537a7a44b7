// npm run user:create -- --email E --password P --role ADMIN|PROFESSIONAL|VOLUNTEER|USER --name N
// Creates an account, or brings an existing one (same email) to the given role, name and
// password: idempotent, for bootstrapping admins and professionals, who cannot sign themselves up.
import { parseArgs } from 'node:util';
import { Role } from '../src/platform/auth';
import { withModules } from './lib/with-modules';

const USAGE = 'usage: npm run user:create -- --email E --password P --role ADMIN|PROFESSIONAL|VOLUNTEER|USER --name N';

function parse(): { email: string; password: string; role: Role; name: string } {
  const { values } = parseArgs({
    options: { email: { type: 'string' }, password: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } },
    strict: true,
  });
  const problems: string[] = [];
  const role = values.role?.toUpperCase();
  if (!values.email) problems.push('--email is required');
  if (!values.password || values.password.length < 10) problems.push('--password of at least 10 characters is required');
  if (!role || !(role in Role)) problems.push(`--role must be one of ${Object.keys(Role).join(', ')}`);
  if (!values.name?.trim()) problems.push('--name is required');
  if (problems.length) {
    console.error([...problems, USAGE].join('\n'));
    process.exit(2);
  }
  return { email: values.email!, password: values.password!, role: role as Role, name: values.name! };
}

const args = parse();
void withModules('user:create', async ({ modules }) => {
  const user = await modules.auth.ensureAccount({ email: args.email, password: args.password, displayName: args.name, role: args.role });
  console.log(`user ${user.email} (${user.role}) id=${user.id}`);
});
