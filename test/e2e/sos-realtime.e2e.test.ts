import { randomUUID } from 'node:crypto';
import {
  AcceptSosDocument,
  MyAlertsDocument,
  RaiseSosDocument,
  ResolveSosDocument,
  SosAlertsDocument,
  SosDocument,
  SosUpdatesDocument,
  UpdateLocationDocument,
  UserFlagDocument,
  VolunteerLocationDocument,
} from '../../sdk/index';
import type { Point } from '../../src/platform/geo';
import { redisTarget } from '../../src/platform/redis';
import { deleteRedisKeys } from '../helpers/redis-keys';
import { Role, signInAs, signUp, type Actor } from '../helpers/actors';
import { expectError } from '../helpers/expect-error';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, freshCentre, volunteerAt } from '../helpers/volunteers';
import { endsWithin, eventually, nextOf } from '../helpers/wait';

const env = useTestEnvironment();
const SETTINGS = { SOS_STEP_TIMEOUT_SECONDS: '30', SOS_PER_HOUR: '50', VOLUNTEER_HEARTBEAT_TIMEOUT_SECONDS: '3', LOCATION_INTERVAL_ASSIGNED_SECONDS: '1', LOCATION_INTERVAL_IDLE_SECONDS: '2', SOS_SWEEP_SECONDS: '1' };
let first: TestServer;
let second: TestServer;

beforeAll(async () => {
  [first, second] = await Promise.all([env.start(SETTINGS), env.start(SETTINGS)]);
});

const raise = (actor: Actor, location: Point) =>
  actor.client.request(RaiseSosDocument, { input: { location, category: 'MEDICAL', description: 'Chest pain', idempotencyKey: randomUUID() } }).then((r) => r.raiseSos);

describe('sosAlerts', () => {
  it('an SOS raised on one instance alerts a volunteer subscribed on the other, without the requester\'s identity', async () => {
    const centre = freshCentre();
    const volunteer = await volunteerAt(second, at(300, 0, centre));
    const alerts = volunteer.client.subscribe(SosAlertsDocument, {});
    // Nothing open yet: the subscription is live once this query answers on the same socket.
    await volunteer.client.requestOverSocket(SosDocument, { id: '00000000-0000-4000-8000-000000000000' });
    const person = await signUp(first, { displayName: 'Private Person', phone: '+4915112345678' });
    const sos = await raise(person, centre);
    const { sosAlerts } = await nextOf(alerts, 'alert');
    expect(sosAlerts).toMatchObject({ status: 'OFFERED', sos: { id: sos.id, category: 'MEDICAL', description: 'Chest pain', requester: null } });
    expect(JSON.stringify(sosAlerts)).not.toMatch(/Private Person|@test\.careconnect|4915112345678/);
    await alerts.return();
    await volunteer.client.close();
  });

  it('replays open offers on subscribe, then tells of their withdrawal', async () => {
    const centre = freshCentre();
    const [taker, other] = await Promise.all([volunteerAt(first, at(100, 0, centre)), volunteerAt(first, at(200, 0, centre))]);
    const person = await signUp(first);
    const sos = await raise(person, centre);
    const alerts = other.client.subscribe(SosAlertsDocument, {});
    expect((await nextOf(alerts, 'replayed offer')).sosAlerts).toMatchObject({ status: 'OFFERED', sos: { id: sos.id } });
    await taker.client.request(AcceptSosDocument, { sosId: sos.id });
    expect((await nextOf(alerts, 'withdrawal')).sosAlerts).toMatchObject({ status: 'WITHDRAWN', sos: { id: sos.id } });
    await alerts.return();
    await other.client.close();
  });
});

describe('sosUpdates', () => {
  it('replays after afterSeq with no gap and no duplicate, across a dropped socket, and ends when the SOS closes', async () => {
    const centre = freshCentre();
    const volunteer = await volunteerAt(first, at(100, 0, centre));
    const person = await signUp(first);
    const sos = await raise(person, centre);

    const updates = person.client.subscribe(SosUpdatesDocument, { sosId: sos.id });
    const seen = [(await nextOf(updates)).sosUpdates, (await nextOf(updates)).sosUpdates];
    expect(seen.map((e) => `${e.seq}:${e.type}`)).toEqual(['1:CREATED', '2:MATCHING_STARTED']);
    // The phone loses its connection; meanwhile the SOS is accepted on the other instance.
    await updates.return();
    await person.client.close();
    await volunteer.client.request(AcceptSosDocument, { sosId: sos.id });

    const resumed = person.client.subscribe(SosUpdatesDocument, { sosId: sos.id, afterSeq: 2 });
    expect((await nextOf(resumed)).sosUpdates).toMatchObject({ seq: 3, type: 'ACCEPTED', sos: { status: 'ACCEPTED' } });
    await second.client(volunteer.session).request(ResolveSosDocument, { sosId: sos.id });
    expect((await nextOf(resumed)).sosUpdates).toMatchObject({ seq: 4, type: 'RESOLVED' });
    expect(await endsWithin(resumed)).toBe(true);
    await person.client.close();
  });

  it('is NOT_FOUND for strangers and merely alerted volunteers, and for unknown SOS', async () => {
    const centre = freshCentre();
    const alerted = await volunteerAt(first, at(100, 0, centre));
    const person = await signUp(first);
    const sos = await raise(person, centre);
    const stranger = await signUp(first);
    for (const actor of [stranger, alerted]) {
      await expectError(nextOf(actor.client.subscribe(SosUpdatesDocument, { sosId: sos.id })), 'NOT_FOUND');
      await actor.client.close();
    }
    await expectError(nextOf(person.client.subscribe(SosUpdatesDocument, { sosId: randomUUID() })), 'NOT_FOUND');
    await expectError(nextOf(person.client.subscribe(SosUpdatesDocument, { sosId: 'nope' })), 'BAD_USER_INPUT');
    await person.client.close();
    // Staff may follow any SOS.
    const professional = await signInAs(second, Role.PROFESSIONAL);
    const watched = professional.client.subscribe(SosUpdatesDocument, { sosId: sos.id });
    expect((await nextOf(watched)).sosUpdates.type).toBe('CREATED');
    await watched.return();
    await professional.client.close();
  });
});

describe('volunteerLocation', () => {
  it('streams the assigned volunteer\'s position to the requester, with the distance left, until resolution', async () => {
    const centre = freshCentre();
    const volunteer = await volunteerAt(first, at(800, 0, centre));
    const person = await signUp(first);
    const sos = await raise(person, centre);
    await volunteer.client.request(AcceptSosDocument, { sosId: sos.id });

    const locations = person.client.subscribe(VolunteerLocationDocument, { sosId: sos.id });
    await person.client.requestOverSocket(SosDocument, { id: sos.id });
    const { updateLocation } = await second.client(volunteer.session).request(UpdateLocationDocument, { location: at(400, 0, centre), headingDegrees: 180, speedMps: 3 });
    expect(updateLocation.nextUpdateInSeconds).toBe(1);
    const { volunteerLocation } = await nextOf(locations, 'location');
    expect(volunteerLocation).toMatchObject({ sosId: sos.id, volunteerId: volunteer.volunteerId, headingDegrees: 180, speedMps: 3 });
    expect(volunteerLocation.distanceMeters).toBeCloseTo(400, 0);
    // While help is on the way the requester may see where the volunteer was last stored; a stranger may not.
    expect((await person.client.request(SosDocument, { id: sos.id })).sos!.assignedVolunteer!.lastLocation).not.toBeNull();
    const professional = await signInAs(first, Role.PROFESSIONAL);
    expect((await professional.client.request(SosDocument, { id: sos.id })).sos!.assignedVolunteer!.lastLocation).toBeNull();

    await person.client.request(ResolveSosDocument, { sosId: sos.id });
    await volunteer.client.request(UpdateLocationDocument, { location: at(300, 0, centre) });
    expect(await endsWithin(locations)).toBe(true);
    // Following the map of an SOS that is over already ends at once.
    expect(await endsWithin(person.client.subscribe(VolunteerLocationDocument, { sosId: sos.id }))).toBe(true);
    expect((await volunteer.client.request(UpdateLocationDocument, { location: at(300, 0, centre) })).updateLocation.nextUpdateInSeconds).toBe(2);
    await person.client.close();
  });

  it('is for the requester and admins only', async () => {
    const centre = freshCentre();
    const volunteer = await volunteerAt(first, at(100, 0, centre));
    const person = await signUp(first);
    const sos = await raise(person, centre);
    await volunteer.client.request(AcceptSosDocument, { sosId: sos.id });
    for (const actor of [await signUp(first), await signInAs(first, Role.PROFESSIONAL), volunteer]) {
      await expectError(nextOf(actor.client.subscribe(VolunteerLocationDocument, { sosId: sos.id })), 'NOT_FOUND');
      await actor.client.close();
    }
    const admin = await signInAs(first, Role.ADMIN);
    const watched = admin.client.subscribe(VolunteerLocationDocument, { sosId: sos.id });
    await admin.client.requestOverSocket(SosDocument, { id: sos.id });
    await volunteer.client.request(UpdateLocationDocument, { location: at(50, 0, centre) });
    expect((await nextOf(watched)).volunteerLocation.distanceMeters).toBeCloseTo(50, 0);
    await watched.return();
    await admin.client.close();
  });
});

describe('disconnection', () => {
  it('a Redis that lost its data drops nobody on the spot; silence is judged again once the index is rebuilt', async () => {
    const centre = freshCentre();
    const volunteer = await volunteerAt(first, at(100, 0, centre));
    const person = await signUp(first);
    const sos = await raise(person, centre);
    await volunteer.client.request(AcceptSosDocument, { sosId: sos.id });
    await deleteRedisKeys(redisTarget(first.config), `${first.config.REDIS_KEY_PREFIX}{vol}:*`);

    // Heartbeats are unknown now: a sweep (every second) must not take that for silence.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await person.client.request(SosDocument, { id: sos.id })).sos!.status).toBe('ACCEPTED');
    // The volunteer really is silent: once the index is back and a timeout has passed, they are dropped.
    const dropped = await eventually(() => person.client.request(SosDocument, { id: sos.id }).then((r) => r.sos!), (s) => s.timeline.some((e) => e.type === 'VOLUNTEER_DISCONNECTED'), 10000);
    expect(dropped.timeline.filter((e) => e.type === 'VOLUNTEER_DISCONNECTED')).toHaveLength(1);
  });


  it('a silent assigned volunteer is dropped and the SOS matched again without them', async () => {
    const centre = freshCentre();
    const silent = await volunteerAt(first, at(100, 0, centre));
    const person = await signUp(first);
    const sos = await raise(person, centre);
    await silent.client.request(AcceptSosDocument, { sosId: sos.id });
    const backup = await volunteerAt(first, at(300, 0, centre));

    const rematched = await eventually(() => person.client.request(SosDocument, { id: sos.id }).then((r) => r.sos!), (s) => s.timeline.some((e) => e.type === 'REMATCHING'), 8000);
    const types = rematched.timeline.map((e) => e.type);
    expect(types.slice(0, 5)).toEqual(['CREATED', 'MATCHING_STARTED', 'ACCEPTED', 'VOLUNTEER_DISCONNECTED', 'REMATCHING']);
    expect(rematched.timeline.map((e) => e.seq)).toEqual(rematched.timeline.map((_, i) => i + 1));
    const matching = await eventually(() => person.client.request(SosDocument, { id: sos.id }).then((r) => r.sos!), (s) => s.status === 'MATCHING');
    expect(matching.assignedVolunteer).toBeNull();

    const offers = await backup.client.request(MyAlertsDocument);
    expect(offers.myAlerts.map((a) => a.sos.id)).toEqual([sos.id]);
    expect((await silent.client.request(MyAlertsDocument)).myAlerts).toEqual([]);
    await expectError(nextOf(silent.client.subscribe(SosUpdatesDocument, { sosId: sos.id })), 'NOT_FOUND');
    await silent.client.close();
    const admin = await signInAs(first, Role.ADMIN);
    expect((await admin.client.request(UserFlagDocument, { id: silent.id })).user!.volunteer).toMatchObject({ id: silent.volunteerId, disconnectionCount: 1 });
  });
});
