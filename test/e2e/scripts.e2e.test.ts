import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { LoginDocument, NearbyVolunteersDocument, RaiseSosDocument, SosCityDocument } from '../../sdk/index';
import type { Point } from '../../src/platform/geo';
import { signUp } from '../helpers/actors';
import { expectError } from '../helpers/expect-error';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';

const env = useTestEnvironment();
let server: TestServer;
const ROOT = join(__dirname, '..', '..');

/** Runs an npm script's entry file the way `npm run` does, against this file's database. */
function run(script: string, args: string[] = [], overrides: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, ['-r', '@swc-node/register', script, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env.env(overrides) },
    encoding: 'utf8',
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

beforeAll(async () => {
  server = await env.start();
});

describe('npm run user:create', () => {
  const args = (role: string, password = 'operator password 1') => ['--email', 'Ops@Example.org', '--password', password, '--role', role, '--name', 'Olga Ops'];

  it('creates a staff account that can sign in, and is idempotent', async () => {
    const first = run('scripts/user-create.ts', args('ADMIN'));
    expect(first).toMatchObject({ status: 0, output: expect.stringMatching(/user ops@example.org \(ADMIN\) id=/) });
    const second = run('scripts/user-create.ts', args('PROFESSIONAL', 'a new password 2'));
    expect(second.status).toBe(0);
    expect(second.output.match(/id=(\S+)/)?.[1]).toBe(first.output.match(/id=(\S+)/)?.[1]);

    const { login } = await server.client().request(LoginDocument, { input: { email: 'ops@example.org', password: 'a new password 2' } });
    expect(login.user).toMatchObject({ role: 'PROFESSIONAL', displayName: 'Olga Ops' });
    await expectError(server.client().request(LoginDocument, { input: { email: 'ops@example.org', password: 'operator password 1' } }), 'UNAUTHENTICATED');
  });

  it('explains its usage on bad arguments and writes nothing', () => {
    const result = run('scripts/user-create.ts', ['--email', 'x@example.org', '--role', 'KING']);
    expect(result.status).toBe(2);
    expect(result.output).toMatch(/--password of at least 10 characters is required/);
    expect(result.output).toMatch(/--role must be one of USER, VOLUNTEER, PROFESSIONAL, ADMIN/);
    expect(result.output).toMatch(/usage: npm run user:create/);
  });
});

describe('npm run db:seed', () => {
  it('creates one demo account per role and a city of volunteers, idempotently', async () => {
    expect(run('prisma/seed.ts').status).toBe(0);
    const again = run('prisma/seed.ts');
    expect(again).toMatchObject({ status: 0, output: expect.stringMatching(/seeded 2 cities, 5 demo accounts and 401 volunteers/) });
    const roles: Record<string, string> = { admin: 'ADMIN', pro: 'PROFESSIONAL', volunteer: 'VOLUNTEER', user: 'USER' };
    for (const [name, role] of Object.entries(roles)) {
      const { login } = await server.client().request(LoginDocument, { input: { email: `${name}@demo.careconnect.dev`, password: 'careconnect-demo' } });
      expect(login.user.role).toBe(role);
    }

    const { login } = await server.client().request(LoginDocument, { input: { email: 'pro@demo.careconnect.dev', password: 'careconnect-demo' } });
    const { nearbyVolunteers } = await server
      .client(login)
      .request(NearbyVolunteersDocument, { location: { latitude: 52.5219, longitude: 13.4132 }, radiusMeters: 10_000, limit: 100 });
    expect(nearbyVolunteers).toHaveLength(100);
    expect(nearbyVolunteers[0].volunteer.user.displayName).toBe('Vera Volunteer');
    const distances = nearbyVolunteers.map((n) => n.distanceMeters);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    expect(new Set(nearbyVolunteers.flatMap((n) => n.volunteer.skills)).size).toBeGreaterThan(5);
  });

  it('draws Berlin and Hamburg from their real boundaries, with a professional scoped to Hamburg', async () => {
    expect(run('prisma/seed.ts').status).toBe(0);
    const signIn = async (email: string) =>
      server.client((await server.client().request(LoginDocument, { input: { email, password: 'careconnect-demo' } })).login);
    const admin = await signIn('admin@demo.careconnect.dev');
    const hamburgPro = await signIn('pro-hamburg@demo.careconnect.dev');
    const raise = async (location: Point) =>
      (await (await signUp(server)).client.request(RaiseSosDocument, { input: { location, category: 'MEDICAL', idempotencyKey: randomUUID() } })).raiseSos.id;

    const alexanderplatz = await raise({ latitude: 52.5219, longitude: 13.4132 });
    const spandau = await raise({ latitude: 52.5363, longitude: 13.2025 }); // far west of Berlin, well inside
    const townHall = await raise({ latitude: 53.5503, longitude: 9.9925 });
    const potsdam = await raise({ latitude: 52.3906, longitude: 13.0645 }); // Brandenburg, just outside Berlin
    const cityOf = async (id: string) => (await admin.request(SosCityDocument, { id })).sos?.city?.name ?? null;
    expect(await Promise.all([alexanderplatz, spandau, townHall, potsdam].map(cityOf))).toEqual(['Berlin', 'Berlin', 'Hamburg', null]);

    // Scoped to Hamburg: Berlin's SOS are a stranger's to her.
    expect((await hamburgPro.request(SosCityDocument, { id: townHall })).sos).toMatchObject({ city: { name: 'Hamburg' }, emergencyNumber: '112' });
    expect((await hamburgPro.request(SosCityDocument, { id: alexanderplatz })).sos).toBeNull();
  });

  it('refuses to seed demo accounts in production', () => {
    const result = run('prisma/seed.ts', [], { NODE_ENV: 'production' });
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/refusing to seed/);
  });
});

describe('npm run plans:partitions', () => {
  it('splits the SOS tables by city on a scratch database and shows which partitions each hot query reads', () => {
    const result = run('scripts/partition-plans.ts', [], { SOS_PER_CITY: '50' });
    expect(result).toMatchObject({ status: 0 });
    expect(result.output).toMatch(/sos_requests_requester_id_idempotency_key_key: .* becomes per city/);
    expect(result.output).toMatch(/## lock an SOS for a change \(as today\): 5 partition\(s\) read/);
    expect(result.output).toMatch(/## lock an SOS for a change \(with the city\): 1 partition\(s\) read/);
    expect(result.output).toMatch(/## a city's staff queue \(as today\): 1 partition\(s\) read/);
  });
});
