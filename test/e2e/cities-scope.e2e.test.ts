import { randomUUID } from 'node:crypto';
import {
  AssignStaffToCityDocument,
  AuditLogDocument,
  CancelSosAsStaffDocument,
  CreateCityDocument,
  FlagsDocument,
  OpenSosRequestsDocument,
  PendingVolunteersDocument,
  ResolveFlagDocument,
  OpsOverviewChangedDocument,
  OpsOverviewDocument,
  RaiseSosDocument,
  RemoveStaffFromCityDocument,
  ResponseStatsDocument,
  SosCityDocument,
  SetUserRoleDocument,
  SosEscalationsDocument,
  SuspendUserDocument,
  UpdateCityDocument,
  TopRespondersDocument,
  VerifyVolunteerDocument,
} from '../../sdk/index';
import { destination, type Point } from '../../src/platform/geo';
import { Role, signInAs, signUp, type Actor } from '../helpers/actors';
import { expectError } from '../helpers/expect-error';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { freshCentre, volunteerAt } from '../helpers/volunteers';
import { endsWithin, eventually, nextOf } from '../helpers/wait';

// No volunteers anywhere: every SOS escalates within its first moments. Two instances.
const env = useTestEnvironment();
let first: TestServer;
let second: TestServer;
let admin: Actor;

beforeAll(async () => {
  const settings = { SOS_RADII_METERS: '500', SOS_STEP_TIMEOUT_SECONDS: '600', SOS_SWEEP_SECONDS: '1', TRUSTED_PROXIES: 'loopback' };
  [first, second] = await Promise.all([env.start(settings), env.start(settings)]);
  admin = await signInAs(first, Role.ADMIN);
});

const square = (centre: Point, side: number) => {
  const sw = destination(destination(centre, side / 2, 180), side / 2, 270);
  const ne = destination(destination(centre, side / 2, 0), side / 2, 90);
  return { type: 'Polygon', coordinates: [[[sw.longitude, sw.latitude], [ne.longitude, sw.latitude], [ne.longitude, ne.latitude], [sw.longitude, ne.latitude], [sw.longitude, sw.latitude]]] };
};
const city = async (centre: Point) =>
  (await admin.client.request(CreateCityDocument, { input: { name: `City ${randomUUID()}`, timeZone: 'Europe/Berlin', boundary: square(centre, 4000) } })).createCity;
const escalated = async (location: Point) => {
  const person = await signUp(first);
  const { raiseSos } = await person.client.request(RaiseSosDocument, { input: { location, category: 'MEDICAL', idempotencyKey: randomUUID() } });
  await eventually(async () => (await admin.client.request(SosCityDocument, { id: raiseSos.id })).sos!.status, (status) => status === 'ESCALATED');
  return raiseSos.id;
};

describe('staff scoped to cities', () => {
  it("see and act on their city's SOS only, in queries and in escalations on another instance; global staff see all", async () => {
    const [here, there] = [freshCentre(), destination(freshCentre(), 50_000, 90)];
    const [mine, other] = [await city(here), await city(there)];
    const scoped = await signInAs(first, Role.PROFESSIONAL);
    const global = await signInAs(first, Role.PROFESSIONAL);
    expect((await admin.client.request(AssignStaffToCityDocument, { userId: scoped.id, cityId: mine.id })).assignStaffToCity.map((c) => c.id)).toEqual([mine.id]);

    const ownSos = await escalated(here);
    const otherSos = await escalated(there);
    const nowhereSos = await escalated(destination(here, 100_000, 0));
    const open = async (staff: Actor) => (await staff.client.request(OpenSosRequestsDocument, { limit: 100 })).openSosRequests.map((s) => s.id);
    expect(await open(scoped)).toEqual([ownSos]);
    expect(await open(global)).toEqual(expect.arrayContaining([ownSos, otherSos, nowhereSos]));
    // Outside their scope, as to a stranger: not found.
    expect((await scoped.client.request(SosCityDocument, { id: otherSos })).sos).toBeNull();
    expect((await scoped.client.request(SosCityDocument, { id: nowhereSos })).sos).toBeNull();
    await expectError(scoped.client.request(CancelSosAsStaffDocument, { sosId: otherSos, reason: 'not mine' }), 'NOT_FOUND');
    expect((await scoped.client.request(SosCityDocument, { id: ownSos })).sos).toMatchObject({ city: { id: mine.id } });

    // On the other instance: the escalations still open are replayed, theirs only; then the live ones, theirs only.
    const scopedThere = second.client(scoped.session);
    const feed = scopedThere.subscribe(SosEscalationsDocument, {});
    expect((await nextOf(feed, 'replayed escalation')).sosEscalations.sosId).toBe(ownSos);
    await escalated(there);
    const laterOwn = await escalated(here);
    expect((await nextOf(feed, 'live escalation')).sosEscalations.sosId).toBe(laterOwn);
    await feed.return?.();
    await scopedThere.close();

    // Their last city is not taken by the way: without one they would oversee every city.
    const lastCity = await expectError(admin.client.request(RemoveStaffFromCityDocument, { userId: scoped.id, cityId: mine.id }), 'CONFLICT', { field: 'cityId' });
    expect(lastCity.message).toMatch(/last city/);
    expect(await open(scoped)).not.toContain(otherSos);
    // Taken on purpose, they are global again.
    expect((await admin.client.request(RemoveStaffFromCityDocument, { userId: scoped.id, cityId: mine.id, makeGlobal: true })).removeStaffFromCity).toEqual([]);
    expect(await open(scoped)).toEqual(expect.arrayContaining([otherSos, nowhereSos]));
    const audit = (await admin.client.request(AuditLogDocument, { filter: { subjectId: scoped.id } })).auditLog.edges.map((e) => [e.node.kind, e.node.details]);
    expect(audit).toEqual([
      ['STAFF_CITY_REMOVED', { cityId: mine.id }],
      ['STAFF_CITY_ASSIGNED', { cityId: mine.id }],
    ]);
    expect(other.id).not.toBe(mine.id);
  });

  it('per-city views: the ops overview and response statistics of one city, or of all the viewer oversees', async () => {
    const [here, there] = [freshCentre(), destination(freshCentre(), 50_000, 270)];
    const [mine, other] = [await city(here), await city(there)];
    const scoped = await signInAs(first, Role.PROFESSIONAL);
    await admin.client.request(AssignStaffToCityDocument, { userId: scoped.id, cityId: mine.id });
    await escalated(here);
    await escalated(here);
    await escalated(there);
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();

    expect((await scoped.client.request(OpsOverviewDocument, {})).opsOverview).toMatchObject({ openSos: 2, escalationsWaiting: 2 });
    expect((await admin.client.request(OpsOverviewDocument, { cityId: other.id })).opsOverview).toMatchObject({ openSos: 1, escalationsWaiting: 1 });
    const everyCity = (await admin.client.request(OpsOverviewDocument, {})).opsOverview.cities;
    expect(everyCity.find((c) => c.cityId === mine.id)).toMatchObject({ openSos: 2, escalated: 2, alertsPending: 0 });
    expect(everyCity.find((c) => c.cityId === other.id)).toMatchObject({ openSos: 1, escalated: 1 });
    expect((await scoped.client.request(OpsOverviewDocument, {})).opsOverview.cities.map((c) => c.cityId)).toEqual([mine.id]);
    await expectError(scoped.client.request(OpsOverviewDocument, { cityId: other.id }), 'NOT_FOUND');
    expect((await scoped.client.request(ResponseStatsDocument, { from, to, groupBy: 'DAY' })).responseStats.total).toMatchObject({ sosCount: 2, escalatedShare: 1 });
    expect((await admin.client.request(ResponseStatsDocument, { from, to, groupBy: 'DAY', cityId: other.id })).responseStats.total).toMatchObject({ sosCount: 1 });
    await expectError(scoped.client.request(ResponseStatsDocument, { from, to, groupBy: 'DAY', cityId: other.id }), 'NOT_FOUND');
    // By city: global staff see every city's (and those outside every city), scoped staff their own.
    const byCity = async (staff: Actor) =>
      Object.fromEntries((await staff.client.request(ResponseStatsDocument, { from, to, groupBy: 'CITY' })).responseStats.groups.map((g) => [g.key, g.sosCount]));
    expect(await byCity(admin)).toMatchObject({ [mine.id]: 2, [other.id]: 1 });
    expect(await byCity(scoped)).toEqual({ [mine.id]: 2 });
    await expectError(scoped.client.request(TopRespondersDocument, { from, to, cityId: other.id }), 'NOT_FOUND');
    await expectError(admin.client.request(OpsOverviewDocument, { cityId: 'nope' }), 'BAD_USER_INPUT', { field: 'cityId' });
  });

  it('opsOverviewChanged follows a change of scope: new cities join the picture, a city taken ends its stream', async () => {
    const [here, there] = [freshCentre(), destination(freshCentre(), 50_000, 270)];
    const [mine, added] = [await city(here), await city(there)];
    const scoped = await signInAs(first, Role.PROFESSIONAL);
    await admin.client.request(AssignStaffToCityDocument, { userId: scoped.id, cityId: mine.id });
    const everything = scoped.client.subscribe(OpsOverviewChangedDocument, {});
    const ofMine = scoped.client.subscribe(OpsOverviewChangedDocument, { cityId: mine.id });
    expect((await nextOf(everything, 'first overview')).opsOverviewChanged).toMatchObject({ openSos: 0, cities: [] });
    expect((await nextOf(ofMine, 'first overview of their city')).opsOverviewChanged.openSos).toBe(0);

    await admin.client.request(AssignStaffToCityDocument, { userId: scoped.id, cityId: added.id });
    await admin.client.request(RemoveStaffFromCityDocument, { userId: scoped.id, cityId: mine.id });
    await escalated(there);
    await escalated(here);
    // Their scope is read afresh within seconds: the new city is in the picture, the old one gone.
    const now = await eventually(
      () => nextOf(everything, 'an overview of their cities now', 10_000),
      (next) => next.opsOverviewChanged.cities.length === 1 && next.opsOverviewChanged.cities[0].cityId === added.id,
      15_000,
    );
    expect(now.opsOverviewChanged.openSos).toBe(1);
    // Asked of the city taken from them: the stream ends (after what it sent before their scope was read again).
    const deadline = Date.now() + 12_000;
    let ended = false;
    while (!ended && Date.now() < deadline) ended = await endsWithin(ofMine, deadline - Date.now());
    expect(ended).toBe(true);
    await everything.return?.();
  });

  it("their verification queue and flags are their cities' (another's flag: NOT_FOUND)", async () => {
    // Sydney, claimed from a Berlin IP address: flagged as a spoofed location.
    const sydney = { latitude: -33.87, longitude: 151.21 };
    const [mine, other] = [await city(sydney), await city(destination(sydney, 50_000, 90))];
    const scoped = await signInAs(first, Role.PROFESSIONAL);
    const elsewhere = await signInAs(first, Role.ADMIN);
    await admin.client.request(AssignStaffToCityDocument, { userId: scoped.id, cityId: mine.id });
    await admin.client.request(AssignStaffToCityDocument, { userId: elsewhere.id, cityId: other.id });

    const near = await volunteerAt(first, destination(sydney, 300, 0), ['FIRST_AID'], false);
    const far = await volunteerAt(first, destination(sydney, 50_000, 90), ['FIRST_AID'], false);
    const queueOf = async (staff: Actor) => (await staff.client.request(PendingVolunteersDocument, { first: 100 })).pendingVolunteers.edges.map((e) => e.node.id);
    expect(await queueOf(scoped)).toEqual([near.volunteerId]);
    expect(await queueOf(elsewhere)).toEqual([far.volunteerId]);
    await expectError(elsewhere.client.request(VerifyVolunteerDocument, { volunteerId: near.volunteerId }), 'NOT_FOUND');

    const person = await signUp(first);
    await first.client(person.session, { 'x-forwarded-for': '81.169.145.1' }).request(RaiseSosDocument, { input: { location: sydney, category: 'OTHER', idempotencyKey: randomUUID() } });
    const flagsOf = async (staff: Actor) => (await staff.client.request(FlagsDocument, { filter: { personId: person.id } })).flags.edges.map((e) => e.node);
    const [flag] = await flagsOf(scoped);
    expect(flag).toMatchObject({ kind: 'SPOOFED_LOCATION', subjectType: 'SOS' });
    expect(await flagsOf(elsewhere)).toEqual([]);
    await expectError(elsewhere.client.request(ResolveFlagDocument, { id: flag.id, action: 'CLEAR', note: 'not mine' }), 'NOT_FOUND');
    expect((await scoped.client.request(ResolveFlagDocument, { id: flag.id, action: 'CLEAR', note: 'a traveller' })).resolveFlag.state).toBe('CLEARED');
  });

  it('only a global admin scopes, and only staff', async () => {
    const here = await city(freshCentre());
    const person = await signUp(first);
    await expectError(admin.client.request(AssignStaffToCityDocument, { userId: person.id, cityId: here.id }), 'BAD_USER_INPUT', { field: 'userId' });
    const someone = await signInAs(first, Role.PROFESSIONAL);
    await expectError(admin.client.request(AssignStaffToCityDocument, { userId: someone.id, cityId: randomUUID() }), 'NOT_FOUND');
    const scopedAdmin = await signInAs(first, Role.ADMIN);
    await admin.client.request(AssignStaffToCityDocument, { userId: scopedAdmin.id, cityId: here.id });
    const professional = await signInAs(first, Role.PROFESSIONAL);
    await expectError(scopedAdmin.client.request(AssignStaffToCityDocument, { userId: professional.id, cityId: here.id }), 'FORBIDDEN');
    // Nothing that reaches beyond their cities: other cities, roles, accounts, the audit log.
    await expectError(scopedAdmin.client.request(UpdateCityDocument, { id: here.id, input: { boundary: square(freshCentre(), 90_000) } }), 'FORBIDDEN');
    await expectError(scopedAdmin.client.request(CreateCityDocument, { input: { name: `Mine ${randomUUID()}`, timeZone: 'UTC', boundary: square(freshCentre(), 1000) } }), 'FORBIDDEN');
    await expectError(scopedAdmin.client.request(SetUserRoleDocument, { userId: professional.id, role: 'ADMIN' }), 'FORBIDDEN');
    await expectError(scopedAdmin.client.request(SuspendUserDocument, { userId: person.id, reason: 'x' }), 'FORBIDDEN');
    await expectError(scopedAdmin.client.request(AuditLogDocument, {}), 'FORBIDDEN');
    await expectError(admin.client.request(AssignStaffToCityDocument, { userId: admin.id, cityId: here.id }), 'BAD_USER_INPUT', { field: 'userId' });
    await expectError(professional.client.request(AssignStaffToCityDocument, { userId: professional.id, cityId: here.id }), 'FORBIDDEN');
  });
});
