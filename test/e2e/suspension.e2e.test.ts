import { randomUUID } from 'node:crypto';
import {
  AcceptSosDocument,
  AuditLogDocument,
  LoginDocument,
  MeDocument,
  MyAlertsDocument,
  RaiseSosDocument,
  ReassignSosDocument,
  RefreshSessionDocument,
  ReinstateUserDocument,
  SosDocument,
  NearbyVolunteersDocument,
  SuspendUserDocument,
} from '../../sdk/index';
import { CLOSE_SUSPENDED } from '../../src/app/websocket';
import { PASSWORD, Role, signInAs, signUp, type Actor } from '../helpers/actors';
import { queryRows } from '../helpers/databases';
import { expectError } from '../helpers/expect-error';
import { openRawSocket } from '../helpers/raw-socket';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, freshCentre, volunteerAt } from '../helpers/volunteers';
import { eventually } from '../helpers/wait';

const env = useTestEnvironment();
// Two instances on one database and one Redis: a suspension made on one must hold on the other.
let first: TestServer;
let second: TestServer;

beforeAll(async () => {
  first = await env.start();
  second = await env.start();
});

/** The same person, signed in with the same tokens, as a client of the other instance. */
function onSecond(person: Actor) {
  const client = second.client();
  client.setSession(person.session);
  return client;
}

const refused = (call: () => Promise<unknown>) =>
  eventually(
    () => call().then(() => 'accepted', (err: { code?: string; extensions?: Record<string, unknown> }) => `${err.code}:${String(err.extensions?.suspended)}`),
    (outcome) => outcome === 'FORBIDDEN:true',
    1000,
  );

describe('suspendUser and reinstateUser (ADMIN)', () => {
  it('are refused to everyone else; an admin cannot be suspended; bad input is refused', async () => {
    const admin = await signInAs(first, Role.ADMIN);
    const otherAdmin = await signInAs(first, Role.ADMIN);
    const professional = await signInAs(first, Role.PROFESSIONAL);
    const person = await signUp(first);
    const args = { userId: person.id, reason: 'Abusive messages' };

    await expectError(first.client().request(SuspendUserDocument, args), 'UNAUTHENTICATED');
    await expectError(professional.client.request(SuspendUserDocument, args), 'FORBIDDEN');
    await expectError(person.client.request(ReinstateUserDocument, { userId: person.id }), 'FORBIDDEN');
    await expectError(admin.client.request(SuspendUserDocument, { ...args, userId: otherAdmin.id }), 'CONFLICT');
    await expectError(admin.client.request(SuspendUserDocument, { ...args, userId: randomUUID() }), 'NOT_FOUND');
    await expectError(admin.client.request(SuspendUserDocument, { ...args, reason: ' ' }), 'BAD_USER_INPUT', { field: 'reason' });
    await expectError(admin.client.request(SuspendUserDocument, { ...args, until: new Date(Date.now() - 1000).toISOString() }), 'BAD_USER_INPUT', { field: 'until' });
    // Nothing was changed by any of them.
    expect((await person.client.request(MeDocument)).me.id).toBe(person.id);
  });
});

describe('a suspended account', () => {
  it('loses its tokens, sockets and sign-in at once on every instance; its SOS goes straight to staff; reinstating restores it', async () => {
    const admin = await signInAs(first, Role.ADMIN);
    const centre = freshCentre();
    const volunteer = await volunteerAt(first, at(80, 0, centre));
    const person = await signUp(first);
    const elsewhere = onSecond(person);
    expect((await elsewhere.request(MeDocument)).me.id).toBe(person.id);
    const socket = await openRawSocket(second.wsUrl, { authorization: `Bearer ${person.session.accessToken}` });
    await socket.next('connection_ack');

    const { suspendUser } = await admin.client.request(SuspendUserDocument, { userId: person.id, reason: 'Abusive messages' });
    expect(suspendUser).toMatchObject({ suspensionReason: 'Abusive messages', suspendedUntil: '9999-12-31T23:59:59.999Z' });

    await refused(() => person.client.request(MeDocument));
    await refused(() => elsewhere.request(MeDocument));
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([socket.closed, new Promise((resolve) => (timer = setTimeout(() => resolve('still open after 5 s'), 5000)))]);
    clearTimeout(timer);
    expect(closed).toEqual({ code: CLOSE_SUSPENDED, reason: 'Account suspended' });
    await expectError(second.client().request(LoginDocument, { input: { email: person.email, password: PASSWORD } }), 'FORBIDDEN', { suspended: true });
    await expectError(second.client().request(RefreshSessionDocument, { refreshToken: person.session.refreshToken }), 'FORBIDDEN', { suspended: true });

    // Emergencies are never blocked, but no volunteer is sent to them: staff take it.
    const { raiseSos } = await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } });
    expect(raiseSos).toMatchObject({ status: 'ESCALATED', alertedCount: 0 });
    expect(raiseSos.timeline.map((e) => e.type)).toEqual(['CREATED', 'ESCALATED']);
    expect((await volunteer.client.request(MyAlertsDocument)).myAlerts).toEqual([]);
    expect((await admin.client.request(SosDocument, { id: raiseSos.id })).sos).toMatchObject({ status: 'ESCALATED', flaggedForReview: true });

    await admin.client.request(ReinstateUserDocument, { userId: person.id });
    expect((await person.client.request(MeDocument)).me.id).toBe(person.id);
    expect((await second.client().request(LoginDocument, { input: { email: person.email, password: PASSWORD } })).login.user.id).toBe(person.id);

    const log = (await admin.client.request(AuditLogDocument, { filter: { subjectId: person.id } })).auditLog.edges.map((e) => e.node);
    expect(log.map((e) => [e.kind, e.actorId, e.details.reason ?? null])).toEqual([
      ['ACCOUNT_REINSTATED', admin.id, null],
      ['ACCOUNT_SUSPENDED', admin.id, 'Abusive messages'],
    ]);
  });

  it('takes a volunteer out of matching: unavailable, never alerted, not offered an SOS by staff', async () => {
    const admin = await signInAs(first, Role.ADMIN);
    const centre = freshCentre();
    const suspended = await volunteerAt(first, at(100, 0, centre));
    const other = await volunteerAt(first, at(300, 0, centre));
    await admin.client.request(SuspendUserDocument, { userId: suspended.id, reason: 'Under review', until: null });
    const nearby = await admin.client.request(NearbyVolunteersDocument, { location: centre, radiusMeters: 1000 });
    expect(nearby.nearbyVolunteers.map((n) => n.volunteer.id)).toEqual([other.volunteerId]);

    // The nearer volunteer is suspended: the SOS goes to the other one, on either instance.
    const person = await signUp(second);
    const sosId = (await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } })).raiseSos.id;
    expect((await other.client.request(MyAlertsDocument)).myAlerts.map((a) => a.sos.id)).toEqual([sosId]);
    expect(await queryRows(env.databaseUrl, 'SELECT volunteer_id AS "volunteerId" FROM sos_alerts WHERE sos_id = $1', [sosId])).toEqual([{ volunteerId: other.volunteerId }]);
    const named = await expectError(admin.client.request(ReassignSosDocument, { sosId, volunteerId: suspended.volunteerId }), 'BAD_USER_INPUT', { field: 'volunteerId' });
    expect(named.message).toMatch(/suspended/);
  });

  it('takes a suspended volunteer off the SOS they were on, matched again at once, and withdraws their open offers', async () => {
    const admin = await signInAs(first, Role.ADMIN);
    // On their way to one SOS.
    const here = freshCentre();
    const onTheWay = await volunteerAt(first, at(100, 0, here));
    const person = await signUp(first);
    const sosId = (await person.client.request(RaiseSosDocument, { input: { location: here, category: 'MEDICAL', idempotencyKey: randomUUID() } })).raiseSos.id;
    await onTheWay.client.request(AcceptSosDocument, { sosId });
    const replacement = await volunteerAt(first, at(200, 90, here));
    // Offered another.
    const there = freshCentre();
    const offered = await volunteerAt(first, at(100, 0, there));
    const otherSosId = (await (await signUp(first)).client.request(RaiseSosDocument, { input: { location: there, category: 'MEDICAL', idempotencyKey: randomUUID() } })).raiseSos.id;
    const alertsOf = (volunteerId: string) => queryRows(env.databaseUrl, 'SELECT sos_id AS "sosId", status FROM sos_alerts WHERE volunteer_id = $1', [volunteerId]);
    expect(await alertsOf(offered.volunteerId)).toEqual([{ sosId: otherSosId, status: 'OFFERED' }]);

    // Suspended: the SOS is taken from them in the suspension's own transaction.
    await admin.client.request(SuspendUserDocument, { userId: onTheWay.id, reason: 'Under review', until: null });
    await admin.client.request(SuspendUserDocument, { userId: offered.id, reason: 'Under review', until: null });
    const sos = (await person.client.request(SosDocument, { id: sosId })).sos!;
    expect(sos.assignedVolunteer).toBeNull();
    const accepted = sos.timeline.findIndex((e) => e.type === 'ACCEPTED');
    expect(sos.timeline.slice(accepted + 1, accepted + 3).map((e) => [e.type, e.message])).toEqual([
      ['VOLUNTEER_DISCONNECTED', 'The volunteer can no longer respond'],
      ['REMATCHING', 'Looking for another volunteer'],
    ]);
    expect(await alertsOf(offered.volunteerId)).toEqual([{ sosId: otherSosId, status: 'WITHDRAWN' }]);
    // Matched again without them, by whichever instance.
    await eventually(
      () => replacement.client.request(MyAlertsDocument),
      ({ myAlerts }) => myAlerts.some((alert) => alert.sos.id === sosId),
    );
    expect(await alertsOf(onTheWay.volunteerId)).toEqual([{ sosId, status: 'ACCEPTED' }]);
  });

  it('is suspended until `until`, then signs in again by itself', async () => {
    const admin = await signInAs(first, Role.ADMIN);
    const person = await signUp(first);
    const until = new Date(Date.now() + 1500).toISOString();
    expect((await admin.client.request(SuspendUserDocument, { userId: person.id, reason: 'Cooling off', until })).suspendUser.suspendedUntil).toBe(until);
    await refused(() => person.client.request(MeDocument));
    await expectError(first.client().request(LoginDocument, { input: { email: person.email, password: PASSWORD } }), 'FORBIDDEN');
    await eventually(
      () => first.client().request(LoginDocument, { input: { email: person.email, password: PASSWORD } }).then(() => true, () => false),
      (signedIn) => signedIn,
      4000,
    );
    expect((await person.client.request(MeDocument)).me.id).toBe(person.id);
  });
});
