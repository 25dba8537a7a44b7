import { Client } from 'pg';
import type { Point } from '../../src/platform/geo';

export const CENTRE: Point = { latitude: 52.52, longitude: 13.405 };
export const CITY_RADIUS_METERS = 15_000;
const VOLUNTEERS = 100_000;
const RETURNED = 5000;

/** Available volunteers spread evenly over a disc around CENTRE; returns the first `returned` of them. */
export async function seedCity(
  databaseUrl: string,
  { volunteers = VOLUNTEERS, radiusMeters = CITY_RADIUS_METERS, returned = RETURNED } = {},
): Promise<{ userId: string; point: Point }[]> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO users (id, email, display_name, role, updated_at)
       SELECT gen_random_uuid(), 'bench-' || g || '@bench.careconnect.dev', 'Bench ' || g, 'VOLUNTEER', now() FROM generate_series(1, $1) g`,
      [volunteers],
    );
    await db.query(
      `INSERT INTO volunteer_profiles (id, user_id, skills, available, location, location_updated_at, last_seen_at, updated_at)
       SELECT gen_random_uuid(), u.id,
              ARRAY[(enum_range(NULL::"Skill"))[1 + floor(random() * 9)::int], 'FIRST_AID'::"Skill"],
              true,
              ST_SetSRID(ST_MakePoint($2 + d * sin(a) / (111320 * cos(radians($3))), $3 + d * cos(a) / 111320), 4326)::geography,
              now(), now(), now()
         FROM (SELECT id, $1 * sqrt(random()) AS d, 2 * pi() * random() AS a FROM users) u`,
      [radiusMeters, CENTRE.longitude, CENTRE.latitude],
    );
    await db.query('ANALYZE volunteer_profiles');
    const { rows } = await db.query<{ userId: string; latitude: number; longitude: number }>(
      `SELECT user_id AS "userId", ST_Y(location::geometry) AS latitude, ST_X(location::geometry) AS longitude FROM volunteer_profiles LIMIT $1`,
      [returned],
    );
    return rows.map((r) => ({ userId: r.userId, point: { latitude: r.latitude, longitude: r.longitude } }));
  } finally {
    await db.end();
  }
}

/** A fixed pseudo-random sequence, so every run searches the same places. */
export function sequence(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1664525 + 1013904223) % 2 ** 32) / 2 ** 32;
}
