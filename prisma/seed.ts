// npm run db:seed: two demo cities. Berlin and Hamburg drawn from their real boundaries, one
// account per role (listed in the README), a professional scoped to Hamburg, and a few hundred
// volunteers around Berlin's Alexanderplatz and Hamburg's town hall, most of them available, with
// varied skills. Idempotent; refused in production, where accounts come from `npm run user:create`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Role, hashPassword } from '../src/platform/auth';
import { destination } from '../src/platform/geo';
import { Skill } from '../src/modules/volunteers';
import { withModules, type ScriptContext } from '../scripts/lib/with-modules';

const DEMO_PASSWORD = 'careconnect-demo';
const AVAILABLE_SHARE = 0.7;
const SPREAD_METERS = 6000;

/** Boundaries from prisma/seed-data (see its README); Hamburg shows a city's own rules. */
const CITIES = [
  { name: 'Berlin', file: 'berlin.geojson', centre: { latitude: 52.5219, longitude: 13.4132 }, volunteers: 300, rules: { emergencyNumber: '112' } },
  { name: 'Hamburg', file: 'hamburg.geojson', centre: { latitude: 53.5503, longitude: 9.9925 }, volunteers: 100, rules: { radiiMeters: [750, 1500, 3000, 6000], emergencyNumber: '112' } },
];
const [BERLIN] = CITIES;

const DEMO_ACCOUNTS = [
  { email: 'admin@demo.careconnect.dev', displayName: 'Ada Admin', role: Role.ADMIN },
  { email: 'pro@demo.careconnect.dev', displayName: 'Paul Paramedic', role: Role.PROFESSIONAL },
  { email: 'volunteer@demo.careconnect.dev', displayName: 'Vera Volunteer', role: Role.VOLUNTEER },
  { email: 'user@demo.careconnect.dev', displayName: 'Uma User', role: Role.USER },
  { email: 'pro-hamburg@demo.careconnect.dev', displayName: 'Hanna Hamburg', role: Role.PROFESSIONAL },
] as const;

/** A fixed pseudo-random sequence (LCG), so every seed makes the same city. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32;
  };
}

async function seedVolunteers({ modules, config, infra }: ScriptContext): Promise<number> {
  const next = random(42);
  const skills = Object.values(Skill);
  // One hash for all demo volunteers: hashing 300 passwords one by one would take half a minute.
  const passwordHash = await hashPassword(DEMO_PASSWORD, config.PASSWORD_HASH_COST);
  const volunteer = await modules.users.findByEmail('volunteer@demo.careconnect.dev');
  // Numbered across cities (Berlin's first), so Berlin's keep the addresses they had alone.
  const around = CITIES.flatMap((city) => Array.from({ length: city.volunteers }, () => city.centre));
  const people = [
    { email: volunteer!.email, name: volunteer!.displayName, point: BERLIN.centre, available: true, skills: ['FIRST_AID', 'CPR'] },
    ...around.map((centre, i) => ({
      email: `volunteer-${String(i + 1).padStart(3, '0')}@demo.careconnect.dev`,
      name: `Demo Volunteer ${i + 1}`,
      point: destination(centre, Math.sqrt(next()) * SPREAD_METERS, next() * 360),
      available: next() < AVAILABLE_SHARE,
      skills: skills.filter(() => next() < 0.3).concat(skills[Math.floor(next() * skills.length)]),
    })),
  ];
  const client = await infra.sql.connect();
  try {
    await client.query('BEGIN');
    for (const p of people) {
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO users (id, email, display_name, role, updated_at) VALUES (gen_random_uuid(), $1, $2, 'VOLUNTEER', now())
         ON CONFLICT (email) DO UPDATE SET display_name = EXCLUDED.display_name RETURNING id`,
        [p.email, p.name],
      );
      const userId = rows[0].id;
      await client.query(
        `INSERT INTO credentials (user_id, password_hash, updated_at) VALUES ($1, $2, now()) ON CONFLICT (user_id) DO NOTHING`,
        [userId, passwordHash],
      );
      await client.query(
        `INSERT INTO volunteer_profiles (id, user_id, skills, verified, available, location, location_updated_at, last_seen_at, updated_at)
         VALUES (gen_random_uuid(), $1, $2::"Skill"[], true, $3, ST_SetSRID(ST_MakePoint($4, $5), 4326)::geography, now(), now(), now())
         ON CONFLICT (user_id) DO UPDATE SET skills = EXCLUDED.skills, available = EXCLUDED.available, location = EXCLUDED.location,
           location_updated_at = now(), last_seen_at = now(), updated_at = now()`,
        [userId, [...new Set(p.skills)], p.available, p.point.longitude, p.point.latitude],
      );
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
  return people.length;
}

async function seedCities({ modules }: ScriptContext): Promise<void> {
  for (const { name, file, rules } of CITIES) {
    const boundary: unknown = JSON.parse(readFileSync(join(__dirname, 'seed-data', file), 'utf8'));
    await modules.cities.ensure({ name, timeZone: 'Europe/Berlin', boundary, active: true, rules });
  }
  const hamburg = (await modules.cities.list()).find((city) => city.name === 'Hamburg')!;
  const pro = await modules.users.findByEmail('pro-hamburg@demo.careconnect.dev');
  await modules.cities.ensureStaffCity(pro!.id, hamburg.id);
}

void withModules('db:seed', async (script) => {
  if (script.config.NODE_ENV === 'production') throw new Error('refusing to seed demo accounts when NODE_ENV=production');
  for (const account of DEMO_ACCOUNTS) await script.modules.auth.ensureAccount({ ...account, password: DEMO_PASSWORD });
  await seedCities(script);
  const volunteers = await seedVolunteers(script);
  try {
    await script.infra.redis.connect();
    await script.modules.volunteerSearch.rebuildIndex();
  } catch (err) {
    console.warn(`Redis not reachable (${(err as Error).message}); the API rebuilds its volunteer index when Redis returns`);
  }
  console.log(`seeded ${CITIES.length} cities, ${DEMO_ACCOUNTS.length} demo accounts and ${volunteers} volunteers (password "${DEMO_PASSWORD}")`);
});
