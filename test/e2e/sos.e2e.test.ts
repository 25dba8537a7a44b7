import { randomUUID } from 'node:crypto';
import {
  AcceptSosDocument,
  CancelSosDocument,
  DeclineSosDocument,
  MyAlertsDocument,
  MyAssignmentDocument,
  MySosRequestsDocument,
  OpenSosRequestsDocument,
  RaiseSosDocument,
  SetAvailabilityDocument,
  SosDocument,
  SosEscalationsDocument,
  type RaiseSosInput,
} from '../../sdk/index';
import type { Point } from '../../src/platform/geo';
import { Role, signInAs, signUp, type Actor } from '../helpers/actors';
import { expectError } from '../helpers/expect-error';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, freshCentre, volunteerAt, type VolunteerActor } from '../helpers/volunteers';
import { eventually, nextOf } from '../helpers/wait';

const env = useTestEnvironment();
let server: TestServer;
const SETTINGS = { SOS_STEP_TIMEOUT_SECONDS: '1', SOS_RADII_METERS: '1000,3000', SOS_SWEEP_SECONDS: '1', TRUSTED_PROXIES: 'loopback', SOS_PER_HOUR: '20' };

beforeAll(async () => {
  server = await env.start(SETTINGS);
});

const raise = (actor: Actor, location: Point, extra: Partial<RaiseSosInput> = {}) =>
  actor.client.request(RaiseSosDocument, { input: { location, category: 'MEDICAL', description: 'Collapsed on the pavement', idempotencyKey: randomUUID(), ...extra } }).then((r) => r.raiseSos);
const alertsOf = (volunteer: VolunteerActor) => volunteer.client.request(MyAlertsDocument).then((r) => r.myAlerts);
const sosAs = (actor: Actor, id: string) => actor.client.request(SosDocument, { id }).then((r) => r.sos);

describe('raising an SOS', () => {
  it('is stored, timed and matched at once: the nearest volunteers are alerted', async () => {
    const centre = freshCentre();
    const near = await volunteerAt(server, at(500, 0, centre));
    const far = await volunteerAt(server, at(2000, 90, centre));
    const person = await signUp(server);
    const sos = await raise(person, centre);
    expect(sos).toMatchObject({ status: 'MATCHING', searchRadiusMeters: 1000, alertedCount: 1, category: 'MEDICAL', requester: { id: person.id } });
    expect(sos.timeline.map((e) => [e.seq, e.type])).toEqual([
      [1, 'CREATED'],
      [2, 'MATCHING_STARTED'],
    ]);
    // The response tells what the raise wrote, as a later read finds it.
    expect((await sosAs(person, sos.id))!.timeline).toEqual(sos.timeline);
    const [alert] = await alertsOf(near);
    expect(alert).toMatchObject({ status: 'OFFERED', sos: { id: sos.id, requester: null, category: 'MEDICAL' } });
    expect(alert.distanceMeters).toBeCloseTo(500, 0);
    expect(await alertsOf(far)).toEqual([]);
  });

  it('is idempotent: a retry with the same key returns the same SOS, also when retries race', async () => {
    const person = await signUp(server);
    const input: RaiseSosInput = { location: freshCentre(), category: 'FIRE', idempotencyKey: `retry-${randomUUID()}` };
    const results = await Promise.all(Array.from({ length: 5 }, () => person.client.request(RaiseSosDocument, { input })));
    expect(new Set(results.map((r) => r.raiseSos.id)).size).toBe(1);
    const { mySosRequests } = await person.client.request(MySosRequestsDocument, {});
    expect(mySosRequests.edges).toHaveLength(1);
    expect(mySosRequests.edges[0].node.timeline.filter((e) => e.type === 'MATCHING_STARTED')).toHaveLength(1);
  });

  it('allows one open SOS per person: a second is a CONFLICT naming the first', async () => {
    const person = await signUp(server);
    const first = await raise(person, freshCentre());
    const error = await expectError(raise(person, freshCentre()), 'CONFLICT', { openSosId: first.id });
    expect(error.message).toContain(first.id);
  });

  it('limits how many SOS a person raises per hour; retries do not count', async () => {
    const limited = await env.start({ ...SETTINGS, SOS_PER_HOUR: '2' });
    const person = await signUp(limited);
    for (let i = 0; i < 2; i++) {
      const sos = await raise(person, freshCentre(), { idempotencyKey: `k${i}` });
      await raise(person, freshCentre(), { idempotencyKey: `k${i}` });
      await person.client.request(CancelSosDocument, { sosId: sos.id });
    }
    const error = await expectError(raise(person, freshCentre(), { idempotencyKey: 'k3' }), 'RATE_LIMITED');
    expect(error.extensions.retryAfterSeconds).toBeGreaterThan(3500);
  });

  it('flags for staff, never blocks, an SOS far from where the client IP is', async () => {
    const admin = await signInAs(server, Role.ADMIN);
    const claim = (ip: string, location: Point) =>
      signUp(server).then((person) =>
        server.client(person.session, { 'x-forwarded-for': ip }).request(RaiseSosDocument, { input: { location, category: 'OTHER', idempotencyKey: randomUUID() } }),
      );
    // 81.169.145.1 is in Berlin.
    const sydney = (await claim('81.169.145.1', { latitude: -33.87, longitude: 151.21 })).raiseSos;
    const berlin = (await claim('81.169.145.1', { latitude: 52.5, longitude: 13.4 })).raiseSos;
    const unknown = (await claim('10.1.2.3', { latitude: -33.87, longitude: 151.21 })).raiseSos;
    expect(sydney).toMatchObject({ status: 'MATCHING', flaggedForReview: null });
    expect((await sosAs(admin, sydney.id))!.flaggedForReview).toBe(true);
    expect((await sosAs(admin, berlin.id))!.flaggedForReview).toBe(false);
    expect((await sosAs(admin, unknown.id))!.flaggedForReview).toBe(false);
  });

  it.each([
    ['latitude 91', { location: { latitude: 91, longitude: 0 } }, 'location.latitude'],
    ['description over 1,000 characters', { description: 'd'.repeat(1001) }, 'description'],
    ['empty idempotency key', { idempotencyKey: '  ' }, 'idempotencyKey'],
  ])('refuses %s, writing nothing', async (_name, change, field) => {
    const person = await signUp(server);
    await expectError(raise(person, freshCentre(), change as Partial<RaiseSosInput>), 'BAD_USER_INPUT', { field });
    expect((await person.client.request(MySosRequestsDocument, {})).mySosRequests.edges).toEqual([]);
  });

  it('refuses an unknown category and anonymous callers', async () => {
    const person = await signUp(server);
    await expectError(raise(person, freshCentre(), { category: 'ALIENS' as 'FIRE' }), 'BAD_USER_INPUT');
    await expectError(server.client().request(RaiseSosDocument, { input: { location: freshCentre(), category: 'FIRE', idempotencyKey: 'x' } }), 'UNAUTHENTICATED');
  });
});

describe('matching', () => {
  it('widens when nobody accepts, alerting farther volunteers, then escalates to staff', async () => {
    const centre = freshCentre();
    const near = await volunteerAt(server, at(500, 0, centre));
    const far = await volunteerAt(server, at(2000, 90, centre));
    const person = await signUp(server);
    const professional = await signInAs(server, Role.PROFESSIONAL);
    const escalations = professional.client.subscribe(SosEscalationsDocument, {});
    const sos = await raise(person, centre);

    const widened = await eventually(() => sosAs(person, sos.id), (s) => s!.searchRadiusMeters === 3000);
    expect(widened!.alertedCount).toBe(2);
    expect((await alertsOf(far)).map((a) => a.sos.id)).toEqual([sos.id]);
    expect(await alertsOf(near)).toEqual([]);

    const escalated = await eventually(() => sosAs(person, sos.id), (s) => s!.status === 'ESCALATED');
    const { sos: seen } = await person.client.request(SosDocument, { id: sos.id });
    expect(seen!.timeline.map((e) => e.type)).toEqual(['CREATED', 'MATCHING_STARTED', 'RADIUS_EXPANDED', 'ESCALATED']);
    expect(seen!.timeline.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(escalated!.status).toBe('ESCALATED');

    // Staff are told as it happens (other escalated SOS of this file may be replayed first).
    let told;
    do told = (await nextOf(escalations, 'escalation')).sosEscalations;
    while (told.sosId !== sos.id);
    expect(told).toMatchObject({ type: 'ESCALATED', sos: { status: 'ESCALATED', category: 'MEDICAL' } });
    await escalations.return();
    await professional.client.close();
    await expectError(nextOf(person.client.subscribe(SosEscalationsDocument, {})), 'FORBIDDEN');
    await person.client.close();
    const { openSosRequests } = await professional.client.request(OpenSosRequestsDocument, {});
    expect(openSosRequests[0]).toMatchObject({ status: 'ESCALATED' });
    expect(openSosRequests.map((s) => s.id)).toContain(sos.id);
    await expectError(person.client.request(OpenSosRequestsDocument, {}), 'FORBIDDEN');
  });

  it('alerts neither the requester (as a volunteer) nor a volunteer busy with another SOS, and honours required skills', async () => {
    const centre = freshCentre();
    const requesterVolunteer = await volunteerAt(server, at(50, 0, centre), ['CPR']);
    const busy = await volunteerAt(server, at(100, 0, centre), ['CPR', 'MEDICAL']);
    const skilled = await volunteerAt(server, at(300, 0, centre), ['MEDICAL']);
    const unskilled = await volunteerAt(server, at(200, 0, centre), ['CPR']);

    // Make `busy` busy: another SOS far away that they accept.
    const other = await signUp(server);
    const elsewhere = at(5000, 180, centre);
    await busy.client.request(SetAvailabilityDocument, { available: true, location: elsewhere });
    const otherSos = await raise(other, at(100, 0, elsewhere));
    await busy.client.request(AcceptSosDocument, { sosId: otherSos.id });
    await busy.client.request(SetAvailabilityDocument, { available: true, location: at(100, 0, centre) });

    const sos = await raise(requesterVolunteer, centre, { requiredSkills: ['MEDICAL'] });
    expect(sos.alertedCount).toBe(1);
    expect((await alertsOf(skilled)).map((a) => a.sos.id)).toEqual([sos.id]);
    expect(await alertsOf(unskilled)).toEqual([]);
    expect(await alertsOf(busy)).toEqual([]);
  });
});

describe('staff streams', () => {
  it('stop serving a demoted professional within seconds, without a reconnect', async () => {
    const professional = await signInAs(server, Role.PROFESSIONAL);
    const escalations = professional.client.subscribe(SosEscalationsDocument, {});
    await professional.client.requestOverSocket(OpenSosRequestsDocument, {});
    await server.modules.auth.ensureAccount({ email: professional.email, password: professional.password, displayName: 'Demoted', role: Role.USER });
    await new Promise((r) => setTimeout(r, 5500));
    // Nobody near: the SOS escalates within a couple of steps.
    await raise(await signUp(server), freshCentre());
    let outcome: string;
    do outcome = await nextOf(escalations, 'escalation').then(() => 'delivered', (err: { code?: string }) => err.code ?? 'error');
    while (outcome === 'delivered');
    expect(outcome).toBe('FORBIDDEN');
    await professional.client.close();
  });
});

describe('accepting', () => {
  it('the first accept wins: of many volunteers accepting at once exactly one gets it; the others CONFLICT', async () => {
    const centre = freshCentre();
    const volunteers = await Promise.all([1, 2, 3, 4, 5].map((i) => volunteerAt(server, at(100 * i, i * 60, centre))));
    const person = await signUp(server);
    const sos = await raise(person, centre);
    expect(sos.alertedCount).toBe(5);

    const attempts = await Promise.allSettled(volunteers.map((v) => v.client.request(AcceptSosDocument, { sosId: sos.id })));
    const winners = attempts.filter((a) => a.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    for (const failed of attempts.filter((a) => a.status === 'rejected')) {
      expect((failed as PromiseRejectedResult).reason.code).toBe('CONFLICT');
    }
    const winner = volunteers[attempts.findIndex((a) => a.status === 'fulfilled')];
    const accepted = await sosAs(person, sos.id);
    expect(accepted).toMatchObject({ status: 'ACCEPTED', assignedVolunteer: { id: winner.volunteerId } });
    expect(accepted!.acceptedAt).not.toBeNull();
    // The others' offers were withdrawn; the winner sees the requester now.
    for (const volunteer of volunteers.filter((v) => v !== winner)) expect(await alertsOf(volunteer)).toEqual([]);
    expect((await winner.client.request(MyAssignmentDocument)).myAssignment).toMatchObject({ id: sos.id, requester: { id: person.id } });
  });

  it('one volunteer accepting two SOS at once gets one of them; the other SOS stays open', async () => {
    const centre = freshCentre();
    const volunteer = await volunteerAt(server, at(100, 0, centre));
    const [a, b] = await Promise.all([signUp(server), signUp(server)]);
    const sosA = await raise(a, at(10, 90, centre));
    const sosB = await raise(b, at(10, 270, centre));
    const attempts = await Promise.allSettled([sosA, sosB].map((s) => volunteer.client.request(AcceptSosDocument, { sosId: s.id })));
    expect(attempts.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((attempts.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason.code).toBe('CONFLICT');
    const statuses = [(await sosAs(a, sosA.id))!.status, (await sosAs(b, sosB.id))!.status].sort();
    expect(statuses).toEqual(['ACCEPTED', 'MATCHING']);
  });

  it('needs an open offer: strangers get NOT_FOUND, declined or expired offers CONFLICT', async () => {
    const centre = freshCentre();
    const decliner = await volunteerAt(server, at(100, 0, centre));
    const stranger = await volunteerAt(server, at(100, 0, freshCentre()));
    const person = await signUp(server);
    const sos = await raise(person, centre);
    await expectError(stranger.client.request(AcceptSosDocument, { sosId: sos.id }), 'NOT_FOUND');
    expect((await decliner.client.request(DeclineSosDocument, { sosId: sos.id })).declineSos).toBe(true);
    await expectError(decliner.client.request(DeclineSosDocument, { sosId: sos.id }), 'CONFLICT', { alertStatus: 'DECLINED' });
    await expectError(decliner.client.request(AcceptSosDocument, { sosId: sos.id }), 'CONFLICT');
    await expectError(person.client.request(AcceptSosDocument, { sosId: sos.id }), 'FORBIDDEN');
    await expectError(decliner.client.request(AcceptSosDocument, { sosId: 'nope' }), 'BAD_USER_INPUT', { field: 'sosId' });
  });
});

describe('cancelling', () => {
  it('closes the SOS and withdraws its open offers; only the requester may, once', async () => {
    const centre = freshCentre();
    const volunteer = await volunteerAt(server, at(100, 0, centre));
    const person = await signUp(server);
    const sos = await raise(person, centre);
    await expectError(volunteer.client.request(CancelSosDocument, { sosId: sos.id }), 'NOT_FOUND');
    const { cancelSos } = await person.client.request(CancelSosDocument, { sosId: sos.id, reason: 'Feeling better' });
    expect(cancelSos).toMatchObject({ status: 'CANCELLED' });
    expect(cancelSos.timeline.at(-1)).toMatchObject({ type: 'CANCELLED', message: 'Feeling better' });
    expect(await alertsOf(volunteer)).toEqual([]);
    await expectError(person.client.request(CancelSosDocument, { sosId: sos.id }), 'CONFLICT', { status: 'CANCELLED' });
    // Closed: a new one may be raised, and the cancelled one never widens.
    await raise(person, freshCentre());
    await new Promise((r) => setTimeout(r, 1500));
    expect((await sosAs(person, sos.id))!.searchRadiusMeters).toBe(1000);
  });
});

describe('privacy', () => {
  it('strangers see no SOS; alerted volunteers see it roughly located and without the requester', async () => {
    const centre = { latitude: freshCentre().latitude + 0.00037, longitude: freshCentre().longitude + 0.00041 };
    const alerted = await volunteerAt(server, at(100, 0, centre));
    const person = await signUp(server);
    const sos = await raise(person, centre);
    const stranger = await signUp(server);
    expect(await sosAs(stranger, sos.id)).toBeNull();
    const seen = await sosAs(alerted, sos.id);
    expect(seen).toMatchObject({ id: sos.id, requester: null });
    expect(seen!.location.latitude).toBe(Math.round(centre.latitude * 1000) / 1000);
    expect((await sosAs(person, sos.id))!.location.latitude).toBeCloseTo(centre.latitude, 6);
    const professional = await signInAs(server, Role.PROFESSIONAL);
    expect((await sosAs(professional, sos.id))!.requester).toMatchObject({ id: person.id, email: null });
  });
});

describe('without Redis', () => {
  it('an SOS is still raised, matched from PostGIS, widened and escalated (by the PostgreSQL sweeper)', async () => {
    const degraded = await env.start({ ...SETTINGS, REDIS_URL: 'redis://127.0.0.1:9' });
    const centre = freshCentre();
    const volunteer = await volunteerAt(server, at(2000, 0, centre));
    const person = await signUp(degraded);
    const sos = await raise(person, centre);
    expect(sos).toMatchObject({ status: 'MATCHING', searchRadiusMeters: 1000, alertedCount: 0 });
    const widened = await eventually(() => sosAs(person, sos.id), (s) => s!.searchRadiusMeters === 3000, 8000);
    expect(widened!.alertedCount).toBe(1);
    expect((await alertsOf(volunteer)).map((a) => a.sos.id)).toEqual([sos.id]);
    await eventually(() => sosAs(person, sos.id), (s) => s!.status === 'ESCALATED', 8000);
  });
});

describe('two instances', () => {
  it('an SOS raised on one instance keeps widening and escalates after that instance is stopped', async () => {
    // The second instance is the one left to carry the SOS on.
    const [first] = await Promise.all([env.start(SETTINGS), env.start(SETTINGS)]);
    const centre = freshCentre();
    await volunteerAt(first, at(2000, 0, centre));
    const person = await signUp(first);
    const sos = await raise(person, centre);
    await first.stop();
    const other = server.client(person.session);
    const final = await eventually(() => other.request(SosDocument, { id: sos.id }).then((r) => r.sos), (s) => s!.status === 'ESCALATED', 8000);
    expect(final!.searchRadiusMeters).toBe(3000);
  });
});
