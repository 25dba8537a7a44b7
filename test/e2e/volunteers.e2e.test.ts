import {
  BecomeVolunteerDocument,
  MyVolunteerProfileDocument,
  NearbyVolunteersDocument,
  SetAvailabilityDocument,
  UpdateLocationDocument,
  UpdateVolunteerSkillsDocument,
  UserVolunteerDocument,
  VerifyVolunteerDocument,
  type NearbyVolunteersQueryVariables,
  type Skill,
} from '../../sdk/index';
import type { Point } from '../../src/platform/geo';
import { redisTarget } from '../../src/platform/redis';
import { deleteRedisKeys } from '../helpers/redis-keys';
import { Role, signInAs, signUp, type Actor } from '../helpers/actors';
import { expectError } from '../helpers/expect-error';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, freshCentre, insertVolunteers, volunteerAt } from '../helpers/volunteers';
import { queryRows } from '../helpers/databases';

const env = useTestEnvironment();
let server: TestServer;
let professional: Actor;

beforeAll(async () => {
  server = await env.start({ VOLUNTEER_STALE_SECONDS: '2' });
  professional = await signInAs(server, Role.PROFESSIONAL);
});

const nearby = (variables: NearbyVolunteersQueryVariables, by: Actor = professional) => by.client.request(NearbyVolunteersDocument, variables).then((r) => r.nearbyVolunteers);
const ids = (results: { volunteer: { id: string } }[]) => results.map((r) => r.volunteer.id);

async function storedLocation(volunteerId: string): Promise<Point | null> {
  const [row] = await queryRows<Point>(env.databaseUrl, 'SELECT ST_Y(location::geometry) AS latitude, ST_X(location::geometry) AS longitude FROM volunteer_profiles WHERE id = $1', [volunteerId]);
  return row?.latitude == null ? null : row;
}

describe('becoming a volunteer', () => {
  it('makes a USER a VOLUNTEER with an unverified profile', async () => {
    const person = await signUp(server);
    const { becomeVolunteer } = await person.client.request(BecomeVolunteerDocument, { input: { skills: ['CPR', 'FIRST_AID', 'CPR'], bio: '  Nurse, night shifts. ' } });
    expect(becomeVolunteer).toMatchObject({ skills: ['CPR', 'FIRST_AID'], bio: 'Nurse, night shifts.', verified: false, available: false, completedCount: 0, rating: null });
    const { me } = await person.client.request(MyVolunteerProfileDocument);
    expect(me.role).toBe('VOLUNTEER');
    expect(me.volunteer?.id).toBe(becomeVolunteer.id);
  });

  it('keeps a professional a professional', async () => {
    const pro = await signInAs(server, Role.PROFESSIONAL);
    await pro.client.request(BecomeVolunteerDocument, { input: { skills: ['MEDICAL'] } });
    expect((await pro.client.request(MyVolunteerProfileDocument)).me.role).toBe('PROFESSIONAL');
  });

  it('refuses a second sign-up with CONFLICT', async () => {
    const volunteer = await volunteerAt(server, null, ['CPR'], false);
    await expectError(volunteer.client.request(BecomeVolunteerDocument, { input: { skills: ['CPR'] } }), 'CONFLICT');
  });

  it('validates skills and bio', async () => {
    const person = await signUp(server);
    await expectError(person.client.request(BecomeVolunteerDocument, { input: { skills: [] } }), 'BAD_USER_INPUT', { field: 'skills' });
    await expectError(person.client.request(BecomeVolunteerDocument, { input: { skills: ['CPR'], bio: 'b'.repeat(501) } }), 'BAD_USER_INPUT', { field: 'bio' });
    await expectError(person.client.request(BecomeVolunteerDocument, { input: { skills: ['JUGGLING' as 'CPR'] } }), 'BAD_USER_INPUT');
    expect((await person.client.request(MyVolunteerProfileDocument)).me.volunteer).toBeNull();
  });

  it('skills can be changed; an admin verifies; others may not', async () => {
    const volunteer = await volunteerAt(server, null, ['CPR'], false);
    const { updateVolunteerSkills } = await volunteer.client.request(UpdateVolunteerSkillsDocument, { skills: ['NURSING', 'TRANSPORT'] });
    expect(updateVolunteerSkills.skills).toEqual(['NURSING', 'TRANSPORT']);
    await expectError(volunteer.client.request(UpdateVolunteerSkillsDocument, { skills: [] }), 'BAD_USER_INPUT', { field: 'skills' });

    await expectError(volunteer.client.request(VerifyVolunteerDocument, { volunteerId: volunteer.volunteerId }), 'FORBIDDEN');
    await expectError(professional.client.request(VerifyVolunteerDocument, { volunteerId: volunteer.volunteerId }), 'FORBIDDEN');
    const admin = await signInAs(server, Role.ADMIN);
    expect((await admin.client.request(VerifyVolunteerDocument, { volunteerId: volunteer.volunteerId })).verifyVolunteer.verified).toBe(true);
    await expectError(admin.client.request(VerifyVolunteerDocument, { volunteerId: '00000000-0000-4000-8000-00000000beef' }), 'NOT_FOUND');
    await expectError(admin.client.request(VerifyVolunteerDocument, { volunteerId: 'x' }), 'BAD_USER_INPUT', { field: 'volunteerId' });
  });

  it('only volunteers share a location or set availability', async () => {
    const person = await signUp(server);
    await expectError(person.client.request(UpdateLocationDocument, { location: freshCentre() }), 'FORBIDDEN');
    await expectError(person.client.request(SetAvailabilityDocument, { available: true }), 'FORBIDDEN');
    await expectError(server.client().request(UpdateLocationDocument, { location: freshCentre() }), 'UNAUTHENTICATED');
  });
});

describe('geo search', () => {
  it('finds volunteers at known distances, nearest first, within the radius', async () => {
    const centre = freshCentre();
    const near = await volunteerAt(server, at(500, 0, centre));
    const far = await volunteerAt(server, at(2000, 90, centre));
    const within1k = await nearby({ location: centre, radiusMeters: 1000 });
    expect(ids(within1k)).toEqual([near.volunteerId]);
    expect(within1k[0].distanceMeters).toBeCloseTo(500, 0);

    const within3k = await nearby({ location: centre, radiusMeters: 3000 });
    expect(ids(within3k)).toEqual([near.volunteerId, far.volunteerId]);
    expect(within3k[1].distanceMeters).toBeCloseTo(2000, 0);
    // Seen from the far one, the order turns around.
    expect(ids(await nearby({ location: at(2000, 90, centre), radiusMeters: 3000 }))).toEqual([far.volunteerId, near.volunteerId]);
  });

  it('respects the radius boundary to the metre', async () => {
    const centre = freshCentre();
    const volunteer = await volunteerAt(server, at(1000, 45, centre));
    expect(await nearby({ location: centre, radiusMeters: 998 })).toEqual([]);
    expect(ids(await nearby({ location: centre, radiusMeters: 1002 }))).toEqual([volunteer.volunteerId]);
  });

  it('filters by skills (all of them) and honours the limit', async () => {
    const centre = freshCentre();
    const cpr = await volunteerAt(server, at(100, 0, centre), ['CPR']);
    const both = await volunteerAt(server, at(200, 0, centre), ['CPR', 'MEDICAL']);
    const medical = await volunteerAt(server, at(300, 0, centre), ['MEDICAL']);
    expect(ids(await nearby({ location: centre, radiusMeters: 1000, skills: ['CPR'] }))).toEqual([cpr.volunteerId, both.volunteerId]);
    expect(ids(await nearby({ location: centre, radiusMeters: 1000, skills: ['CPR', 'MEDICAL'] }))).toEqual([both.volunteerId]);
    expect(ids(await nearby({ location: centre, radiusMeters: 1000, skills: ['MEDICAL'], limit: 1 }))).toEqual([both.volunteerId]);
    expect(ids(await nearby({ location: centre, radiusMeters: 1000 }))).toEqual([cpr.volunteerId, both.volunteerId, medical.volunteerId]);
  });

  it('excludes given volunteers (as SOS matching does)', async () => {
    const centre = freshCentre();
    const first = await volunteerAt(server, at(100, 0, centre));
    const second = await volunteerAt(server, at(200, 0, centre));
    for (const path of ['redis', 'postgis'] as const) {
      const hits = await server.modules.volunteerSearch.search(path, centre, 1000, { limit: 5, excludeIds: [first.volunteerId] });
      expect(hits.map((h) => h.volunteerId)).toEqual([second.volunteerId]);
    }
  });

  it('switching availability off takes a volunteer out at once', async () => {
    const centre = freshCentre();
    const volunteer = await volunteerAt(server, at(100, 0, centre));
    expect(ids(await nearby({ location: centre, radiusMeters: 500 }))).toEqual([volunteer.volunteerId]);
    const { setAvailability } = await volunteer.client.request(SetAvailabilityDocument, { available: false });
    expect(setAvailability.available).toBe(false);
    expect(await nearby({ location: centre, radiusMeters: 500 })).toEqual([]);
    expect(await server.modules.volunteerSearch.search('postgis', centre, 500, { limit: 5 })).toEqual([]);
  });

  it('availability lapses when no location arrives for VOLUNTEER_STALE_SECONDS, and returns with one', async () => {
    const centre = freshCentre();
    const volunteer = await volunteerAt(server, at(100, 0, centre));
    expect(ids(await nearby({ location: centre, radiusMeters: 500 }))).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 2300));
    expect(await nearby({ location: centre, radiusMeters: 500 })).toEqual([]);
    expect(await server.modules.volunteerSearch.search('postgis', centre, 500, { limit: 5 })).toEqual([]);
    expect((await volunteer.client.request(MyVolunteerProfileDocument)).me.volunteer?.available).toBe(false);

    await volunteer.client.request(UpdateLocationDocument, { location: at(120, 0, centre) });
    expect(ids(await nearby({ location: centre, radiusMeters: 500 }))).toEqual([volunteer.volunteerId]);
  });

  it('the Redis and PostGIS paths return the same volunteers in the same order', async () => {
    const centre = freshCentre();
    const placed = [];
    for (let i = 0; i < 12; i++) placed.push(await volunteerAt(server, at(150 + i * 137, (i * 67) % 360, centre), i % 3 === 0 ? ['CPR', 'MEDICAL'] : ['CPR']));
    for (const [radius, options] of [
      [1000, { limit: 20 }],
      [5000, { limit: 5 }],
      [5000, { limit: 20, skills: ['MEDICAL' as const] }],
      [700, { limit: 20, excludeIds: [placed[1].volunteerId] }],
    ] as const) {
      const redis = await server.modules.volunteerSearch.search('redis', centre, radius, options);
      const postgis = await server.modules.volunteerSearch.search('postgis', centre, radius, options);
      expect(postgis.map((h) => h.volunteerId)).toEqual(redis.map((h) => h.volunteerId));
      expect(redis.length).toBeGreaterThan(0);
      redis.forEach((hit, i) => expect(postgis[i].distanceMeters).toBeCloseTo(hit.distanceMeters, -0.3));
    }
  });

  it('a skill combination nobody nearby holds is answered by PostGIS instead of a long scan in Redis', async () => {
    const centre = freshCentre();
    const crowd = [
      ...Array.from({ length: 300 }, (_, i) => ({ point: at(20 + i * 3, i * 7, centre), skills: ['CPR', 'NURSING'] as Skill[] })),
      ...Array.from({ length: 300 }, (_, i) => ({ point: at(21 + i * 3, i * 11, centre), skills: ['TRANSPORT', 'NURSING'] as Skill[] })),
      { point: at(1500, 0, centre), skills: ['CPR', 'TRANSPORT'] as Skill[] },
    ];
    const ids = await insertVolunteers(env.databaseUrl, crowd);
    await server.modules.volunteerSearch.rebuildIndex();

    await expect(server.modules.volunteerSearch.search('redis', centre, 2000, { limit: 5, skills: ['CPR', 'TRANSPORT'] })).rejects.toThrow(/more than 256 candidates/);
    const hits = await server.modules.volunteerSearch.findNearbyVolunteers(centre, 2000, { limit: 5, skills: ['CPR', 'TRANSPORT'] });
    expect(hits.map((h) => h.volunteerId)).toEqual([ids[600]]);
    // A common skill there is still Redis's to answer, and both paths agree.
    const redis = await server.modules.volunteerSearch.search('redis', centre, 2000, { limit: 20, skills: ['NURSING'] });
    const postgis = await server.modules.volunteerSearch.search('postgis', centre, 2000, { limit: 20, skills: ['NURSING'] });
    expect(redis.map((h) => h.volunteerId)).toEqual(postgis.map((h) => h.volunteerId));
    expect(redis).toHaveLength(20);
    const metrics = await (await fetch(server.url.replace('/graphql', '/metrics'))).text();
    expect(metrics).toMatch(/volunteer_search_fallback_total\{reason="too_broad"\} [1-9]/);
  });

  it('a server whose Redis refuses connections answers the same from PostGIS, and counts the fallback', async () => {
    const degraded = await env.start({ REDIS_URL: 'redis://127.0.0.1:9', VOLUNTEER_STALE_SECONDS: '2' });
    const pro = await signInAs(degraded, Role.PROFESSIONAL);
    const centre = freshCentre();
    for (let i = 0; i < 5; i++) await volunteerAt(server, at(200 + i * 300, i * 70, centre));
    const healthy = await nearby({ location: centre, radiusMeters: 3000 });

    const fallback = await nearby({ location: centre, radiusMeters: 3000 }, pro);
    expect(ids(fallback)).toEqual(ids(healthy));
    expect(ids(fallback)).toHaveLength(5);
    const metrics = await (await fetch(degraded.url.replace('/graphql', '/metrics'))).text();
    expect(metrics).toMatch(/volunteer_search_fallback_total\{reason="error"\} [1-9]/);
  });

  it('a Redis that lost its data is rebuilt from PostgreSQL; searches never come back empty meanwhile', async () => {
    const centre = freshCentre();
    const volunteer = await volunteerAt(server, at(300, 0, centre));
    await deleteRedisKeys(redisTarget(server.config), `${server.config.REDIS_KEY_PREFIX}{vol}:*`);

    expect(ids(await nearby({ location: centre, radiusMeters: 1000 }))).toEqual([volunteer.volunteerId]);
    await server.modules.volunteerSearch.rebuildIndex();
    expect((await server.modules.volunteerSearch.search('redis', centre, 1000, { limit: 5 })).map((h) => h.volunteerId)).toEqual([volunteer.volunteerId]);
    // The volunteer's next update finds their cache entry again.
    expect((await volunteer.client.request(UpdateLocationDocument, { location: at(310, 0, centre) })).updateLocation.nextUpdateInSeconds).toBe(20);
  });
});

describe('location updates', () => {
  it('acknowledge with the idle interval, and move the volunteer in the search at once', async () => {
    const centre = freshCentre();
    const volunteer = await volunteerAt(server, at(900, 0, centre));
    const { updateLocation } = await volunteer.client.request(UpdateLocationDocument, { location: { ...at(400, 0, centre), accuracyMeters: 8 }, headingDegrees: 180, speedMps: 1.4 });
    expect(updateLocation.nextUpdateInSeconds).toBe(20);
    expect(Math.abs(Date.parse(updateLocation.acceptedAt) - Date.now())).toBeLessThan(5000);
    const [hit] = await nearby({ location: centre, radiusMeters: 1000 });
    expect(hit.distanceMeters).toBeCloseTo(400, 0);
  });

  it('can be sent over the WebSocket the app holds anyway, with the same validation', async () => {
    const centre = freshCentre();
    const volunteer = await volunteerAt(server, at(900, 0, centre));
    const { updateLocation } = await volunteer.client.requestOverSocket(UpdateLocationDocument, { location: at(300, 0, centre) });
    expect(updateLocation.nextUpdateInSeconds).toBe(20);
    const [hit] = await nearby({ location: centre, radiusMeters: 1000 });
    expect(hit.distanceMeters).toBeCloseTo(300, 0);
    await expectError(volunteer.client.requestOverSocket(UpdateLocationDocument, { location: { latitude: 95, longitude: 0 } }), 'BAD_USER_INPUT', {
      field: 'location.latitude',
    });
    await volunteer.client.close();
  });

  it('reach PostgreSQL at most every VOLUNTEER_LOCATION_PERSIST_SECONDS, or on a move of more than 100 m', async () => {
    const centre = freshCentre();
    const start = at(0, 0, centre);
    const volunteer = await volunteerAt(server, start);
    const stored = async () => (await storedLocation(volunteer.volunteerId))!.latitude;

    await volunteer.client.request(UpdateLocationDocument, { location: at(50, 0, centre) });
    expect(await stored()).toBeCloseTo(start.latitude, 6);
    await volunteer.client.request(UpdateLocationDocument, { location: at(150, 0, centre) });
    expect(await stored()).toBeCloseTo(at(150, 0, centre).latitude, 6);
    // Redis had every update all along.
    const [hit] = await server.modules.volunteerSearch.search('redis', centre, 1000, { limit: 1 });
    expect(hit.distanceMeters).toBeCloseTo(150, 0);
  });

  it.each([
    ['latitude 91', { latitude: 91, longitude: 0 }, 'location.latitude'],
    ['latitude -90.5', { latitude: -90.5, longitude: 0 }, 'location.latitude'],
    ['longitude -181', { latitude: 0, longitude: -181 }, 'location.longitude'],
    ['negative accuracy', { latitude: 0, longitude: 0, accuracyMeters: -1 }, 'location.accuracyMeters'],
  ])('refuse %s with BAD_USER_INPUT naming the field', async (_name, location, field) => {
    const volunteer = await volunteerAt(server, null, ['CPR'], false);
    await expectError(volunteer.client.request(UpdateLocationDocument, { location }), 'BAD_USER_INPUT', { field });
  });

  it('refuse NaN (null once serialised), a heading over 360 and a negative speed', async () => {
    const volunteer = await volunteerAt(server, null, ['CPR'], false);
    await expectError(volunteer.client.request(UpdateLocationDocument, { location: { latitude: NaN, longitude: 0 } }), 'BAD_USER_INPUT');
    await expectError(volunteer.client.request(UpdateLocationDocument, { location: { latitude: 0, longitude: 0 }, headingDegrees: 361 }), 'BAD_USER_INPUT', { field: 'headingDegrees' });
    await expectError(volunteer.client.request(UpdateLocationDocument, { location: { latitude: 0, longitude: 0 }, speedMps: -0.1 }), 'BAD_USER_INPUT', { field: 'speedMps' });
    expect(await storedLocation(volunteer.volunteerId)).toBeNull();
  });
});

describe('nearbyVolunteers input and access', () => {
  const centre = { latitude: 10, longitude: 10 };

  it.each([
    ['radius 0', { location: centre, radiusMeters: 0 }, 'radiusMeters'],
    ['radius 50,001', { location: centre, radiusMeters: 50_001 }, 'radiusMeters'],
    ['limit 0', { location: centre, radiusMeters: 100, limit: 0 }, 'limit'],
    ['limit 101', { location: centre, radiusMeters: 100, limit: 101 }, 'limit'],
    ['latitude 91', { location: { latitude: 91, longitude: 0 }, radiusMeters: 100 }, 'location.latitude'],
  ])('refuses %s', async (_name, variables, field) => {
    await expectError(nearby(variables), 'BAD_USER_INPUT', { field });
  });

  it('refuses a huge radius that is not even an Int', async () => {
    await expectError(nearby({ location: centre, radiusMeters: 1e12 }), 'BAD_USER_INPUT');
  });

  it('is for professionals and admins only', async () => {
    const volunteer = await volunteerAt(server, null, ['CPR'], false);
    await expectError(nearby({ location: centre, radiusMeters: 100 }, volunteer), 'FORBIDDEN');
    await expectError(nearby({ location: centre, radiusMeters: 100 }, await signUp(server)), 'FORBIDDEN');
    await expectError(server.client().request(NearbyVolunteersDocument, { location: centre, radiusMeters: 100 }), 'UNAUTHENTICATED');
    const admin = await signInAs(server, Role.ADMIN);
    expect(await nearby({ location: centre, radiusMeters: 100 }, admin)).toEqual([]);
  });
});

describe('privacy of lastLocation', () => {
  it('the volunteer and admins see it; professionals do not, even in search results', async () => {
    const centre = freshCentre();
    const point = at(250, 10, centre);
    const volunteer = await volunteerAt(server, point);
    const own = (await volunteer.client.request(MyVolunteerProfileDocument)).me.volunteer!;
    expect(own.lastLocation!.latitude).toBeCloseTo(point.latitude, 6);
    expect(own.lastSeenAt).not.toBeNull();

    const admin = await signInAs(server, Role.ADMIN);
    const seenByAdmin = (await admin.client.request(UserVolunteerDocument, { id: volunteer.id })).user!.volunteer!;
    expect(seenByAdmin.lastLocation!.longitude).toBeCloseTo(point.longitude, 6);

    const seenByPro = (await professional.client.request(UserVolunteerDocument, { id: volunteer.id })).user!.volunteer!;
    expect(seenByPro).toMatchObject({ id: volunteer.volunteerId, available: true, lastLocation: null });
    const [hit] = await nearby({ location: centre, radiusMeters: 1000 });
    expect(hit.volunteer).toMatchObject({ id: volunteer.volunteerId, lastLocation: null, user: { id: volunteer.id } });
  });
});
