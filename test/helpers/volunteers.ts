import { BecomeVolunteerDocument, SetAvailabilityDocument, type Skill } from '../../sdk/index';
import { destination, type Point } from '../../src/platform/geo';
import { signUp, type Actor } from './actors';
import type { TestServer } from './test-environment';

/** The centre of the test city (Berlin Alexanderplatz). */
export const CENTRE: Point = { latitude: 52.5219, longitude: 13.4132 };

let places = 0;
/** A fresh spot 200 km from every other test's, so volunteers of one test never show up in another's search. */
export function freshCentre(): Point {
  places += 1;
  return { latitude: -60 + ((places * 2) % 120), longitude: -170 + Math.floor(places / 60) * 3 + (process.pid % 7) * 40 };
}

export const at = (meters: number, bearingDegrees: number, from: Point = CENTRE): Point => destination(from, meters, bearingDegrees);

export interface VolunteerActor extends Actor {
  volunteerId: string;
}

/** A person who signed up as a volunteer and, unless `available` is false, is available at `point`. */
export async function volunteerAt(server: TestServer, point: Point | null, skills: Skill[] = ['FIRST_AID'], available = true): Promise<VolunteerActor> {
  const actor = await signUp(server, { displayName: 'Test Volunteer' });
  const { becomeVolunteer } = await actor.client.request(BecomeVolunteerDocument, { input: { skills } });
  if (available || point) await actor.client.request(SetAvailabilityDocument, { available, location: point });
  return { ...actor, volunteerId: becomeVolunteer.id };
}

/**
 * Many available volunteers at once, written straight to PostgreSQL (signing each up through
 * the API would take seconds); call the search's rebuildIndex() afterwards to put them in Redis.
 */
export async function insertVolunteers(databaseUrl: string, volunteers: { point: Point; skills: Skill[] }[]): Promise<string[]> {
  const { Client } = await import('pg');
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ id: string }>(
      `WITH input AS (SELECT * FROM unnest($1::float8[], $2::float8[], $3::text[]) WITH ORDINALITY AS t(lat, lng, skills, n)),
            people AS (INSERT INTO users (id, email, display_name, role, updated_at)
                       SELECT gen_random_uuid(), 'bulk-' || gen_random_uuid() || '@test.careconnect.dev', 'Bulk ' || n, 'VOLUNTEER', now() FROM input
                       RETURNING id),
            numbered AS (SELECT id, row_number() OVER () AS n FROM people)
       INSERT INTO volunteer_profiles (id, user_id, skills, available, location, location_updated_at, last_seen_at, updated_at)
       SELECT gen_random_uuid(), numbered.id, string_to_array(input.skills, ',')::"Skill"[], true,
              ST_SetSRID(ST_MakePoint(input.lng, input.lat), 4326)::geography, now(), now(), now()
         FROM input JOIN numbered USING (n)
       RETURNING id`,
      [volunteers.map((v) => v.point.latitude), volunteers.map((v) => v.point.longitude), volunteers.map((v) => v.skills.join(','))],
    );
    return rows.map((r) => r.id);
  } finally {
    await db.end();
  }
}
