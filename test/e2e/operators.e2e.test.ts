import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  AcceptSosDocument,
  AddSosNoteDocument,
  AuditLogDocument,
  CancelSosAsStaffDocument,
  LoginDocument,
  MyAlertsDocument,
  MyAssignmentDocument,
  MyVolunteerProfileDocument,
  PendingVolunteersDocument,
  ReassignSosDocument,
  RaiseSosDocument,
  RefreshSessionDocument,
  RejectVolunteerDocument,
  ResolveSosDocument,
  SosDocument,
  SosNotesDocument,
  SosRouteDocument,
  SetAvailabilityDocument,
  SetUserRoleDocument,
  SuspendUserDocument,
  UpdateLocationDocument,
  UserByIdDocument,
  UserVolunteerDocument,
  UsersDocument,
  VerifyVolunteerDocument,
  type AuditKind,
} from '../../sdk/index';
import { Role, signInAs, signUp, type Actor } from '../helpers/actors';
import { expectError } from '../helpers/expect-error';
import { distanceMeters } from '../../src/platform/geo';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, freshCentre, volunteerAt } from '../helpers/volunteers';
import { eventually } from '../helpers/wait';

const env = useTestEnvironment();
let server: TestServer;

beforeAll(async () => {
  server = await env.start({ SOS_ALERTS_PER_STEP: '5' });
});

const auditOf = async (admin: Actor, filter: { subjectId?: string; actorId?: string; kind?: AuditKind }) =>
  (await admin.client.request(AuditLogDocument, { filter, first: 100 })).auditLog.edges.map((e) => e.node);

// First in the file, while the only admins are the ones this test makes.
describe('setUserRole (ADMIN)', () => {
  it('gives and takes roles at once, audited; the last admin cannot be demoted; nobody else may', async () => {
    const first = await signInAs(server, Role.ADMIN);
    const second = await signInAs(server, Role.ADMIN);
    const person = await signUp(server);

    await expectError(server.client().request(SetUserRoleDocument, { userId: person.id, role: 'ADMIN' }), 'UNAUTHENTICATED');
    for (const role of [Role.USER, Role.VOLUNTEER, Role.PROFESSIONAL]) {
      const caller = await signInAs(server, role);
      await expectError(caller.client.request(SetUserRoleDocument, { userId: person.id, role: 'ADMIN' }), 'FORBIDDEN');
    }
    await expectError(person.client.request(UserByIdDocument, { id: first.id }), 'FORBIDDEN');

    expect((await first.client.request(SetUserRoleDocument, { userId: person.id, role: 'PROFESSIONAL' })).setUserRole.role).toBe('PROFESSIONAL');
    // The same access token now carries staff rights: roles are read afresh.
    expect((await person.client.request(UserByIdDocument, { id: first.id })).user?.id).toBe(first.id);

    await expectError(first.client.request(SetUserRoleDocument, { userId: person.id, role: 'VOLUNTEER' }), 'BAD_USER_INPUT');
    await expectError(first.client.request(SetUserRoleDocument, { userId: randomUUID(), role: 'USER' }), 'NOT_FOUND');

    await second.client.request(SetUserRoleDocument, { userId: first.id, role: 'USER' });
    await expectError(second.client.request(SetUserRoleDocument, { userId: second.id, role: 'PROFESSIONAL' }), 'CONFLICT');
    await expectError(first.client.request(SetUserRoleDocument, { userId: second.id, role: 'USER' }), 'FORBIDDEN');

    const entries = await auditOf(second, { kind: 'ROLE_CHANGED' });
    expect(entries.map(({ actorId, subjectId, details }) => ({ actorId, subjectId, details }))).toEqual([
      { actorId: second.id, subjectId: first.id, details: { from: 'ADMIN', to: 'USER' } },
      { actorId: first.id, subjectId: person.id, details: { from: 'USER', to: 'PROFESSIONAL' } },
    ]);
  });
});

describe('volunteer verification queue', () => {
  it('lists unverified volunteers oldest first for staff; verify and reject take them out, audited', async () => {
    const admin = await signInAs(server, Role.ADMIN);
    const professional = await signInAs(server, Role.PROFESSIONAL);
    const centre = freshCentre();
    const older = await volunteerAt(server, at(100, 0, centre));
    const newer = await volunteerAt(server, at(100, 180, centre));
    const pendingIds = async () => (await professional.client.request(PendingVolunteersDocument, { first: 100 })).pendingVolunteers.edges.map((e) => e.node.id);

    const queue = await pendingIds();
    expect(queue.indexOf(older.volunteerId)).toBeGreaterThanOrEqual(0);
    expect(queue.indexOf(older.volunteerId)).toBeLessThan(queue.indexOf(newer.volunteerId));
    await expectError(older.client.request(PendingVolunteersDocument, {}), 'FORBIDDEN');

    await admin.client.request(VerifyVolunteerDocument, { volunteerId: older.volunteerId });
    await expectError(professional.client.request(RejectVolunteerDocument, { volunteerId: newer.volunteerId, reason: 'no' }), 'FORBIDDEN');
    await expectError(admin.client.request(RejectVolunteerDocument, { volunteerId: newer.volunteerId, reason: '   ' }), 'BAD_USER_INPUT', { field: 'reason' });
    await expectError(admin.client.request(RejectVolunteerDocument, { volunteerId: randomUUID(), reason: 'Unknown' }), 'NOT_FOUND');
    const { rejectVolunteer } = await admin.client.request(RejectVolunteerDocument, { volunteerId: newer.volunteerId, reason: ' Certificate could not be checked ' });
    expect(rejectVolunteer).toMatchObject({ verified: false, rejectionReason: 'Certificate could not be checked' });

    expect(await pendingIds()).not.toEqual(expect.arrayContaining([older.volunteerId]));
    expect(await pendingIds()).not.toEqual(expect.arrayContaining([newer.volunteerId]));
    // The volunteer sees why; they can no longer go available, nor be alerted.
    const own = (await newer.client.request(MyVolunteerProfileDocument)).me.volunteer!;
    expect(own).toMatchObject({ available: false, rejectionReason: 'Certificate could not be checked' });
    expect(own.rejectedAt).not.toBeNull();
    await expectError(newer.client.request(SetAvailabilityDocument, { available: true, location: centre }), 'FORBIDDEN');
    const person = await signUp(server);
    const { raiseSos } = await person.client.request(RaiseSosDocument, { input: { location: at(100, 180, centre), category: 'MEDICAL', idempotencyKey: randomUUID() } });
    expect((await older.client.request(MyAlertsDocument)).myAlerts.map((a) => a.sos.id)).toEqual([raiseSos.id]);
    expect((await newer.client.request(MyAlertsDocument)).myAlerts).toEqual([]);

    // (The admin's answers showed the volunteers' locations: those reads are audited too, and tested below.)
    const decisions = async (volunteerId: string) => (await auditOf(admin, { subjectId: volunteerId })).filter((e) => e.kind !== 'EXACT_LOCATION_READ');
    expect((await decisions(older.volunteerId)).map((e) => [e.kind, e.actorId])).toEqual([['VOLUNTEER_VERIFIED', admin.id]]);
    expect((await decisions(newer.volunteerId)).map((e) => [e.kind, e.actorId, e.details.reason])).toEqual([
      ['VOLUNTEER_REJECTED', admin.id, 'Certificate could not be checked'],
    ]);
  });

  it('with MATCH_UNVERIFIED_VOLUNTEERS=false alerts verified volunteers only', async () => {
    const strict = await env.start({ MATCH_UNVERIFIED_VOLUNTEERS: 'false' });
    const admin = await signInAs(strict, Role.ADMIN);
    const centre = freshCentre();
    const unverified = await volunteerAt(strict, at(50, 0, centre));
    const verified = await volunteerAt(strict, at(800, 90, centre));
    await admin.client.request(VerifyVolunteerDocument, { volunteerId: verified.volunteerId });
    const person = await signUp(strict);
    const { raiseSos } = await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } });
    expect(raiseSos.alertedCount).toBe(1);
    expect((await verified.client.request(MyAlertsDocument)).myAlerts.map((a) => a.sos.id)).toEqual([raiseSos.id]);
    expect((await unverified.client.request(MyAlertsDocument)).myAlerts).toEqual([]);
  });
});

describe('users (staff search)', () => {
  it('finds people by name (admins: and email), role and suspension; wildcards are literal; staff only', async () => {
    const admin = await signInAs(server, Role.ADMIN);
    const professional = await signInAs(server, Role.PROFESSIONAL);
    const tag = randomUUID().slice(0, 8);
    const quiet = await signUp(server, { displayName: `Quiet Quixote ${tag}` });
    const loud = await signUp(server, { displayName: `Loud QUIXOTE ${tag}` });
    const percent = await signUp(server, { displayName: `100% Ready ${tag}` });
    const names = async (caller: Actor, filter: Record<string, unknown>) =>
      (await caller.client.request(UsersDocument, { filter, first: 100 })).users.edges.map((e) => e.node.displayName);

    expect(await names(professional, { query: `quixote ${tag}` })).toEqual([`Loud QUIXOTE ${tag}`, `Quiet Quixote ${tag}`]);
    expect(await names(professional, { query: `% ready ${tag}` })).toEqual([`100% Ready ${tag}`]);
    expect(await names(professional, { query: `_ ${tag}` })).toEqual([]);
    // Emails are for admins: a professional cannot find a person by theirs.
    const local = quiet.email.split('@')[0];
    expect(await names(professional, { query: local })).toEqual([]);
    expect(await names(admin, { query: local })).toEqual([`Quiet Quixote ${tag}`]);

    await admin.client.request(SuspendUserDocument, { userId: loud.id, reason: 'Shouting' });
    expect(await names(admin, { query: tag, suspended: true })).toEqual([`Loud QUIXOTE ${tag}`]);
    expect(await names(admin, { query: tag, suspended: false })).toEqual([`100% Ready ${tag}`, `Quiet Quixote ${tag}`]);
    expect(await names(admin, { query: tag, role: 'PROFESSIONAL' })).toEqual([]);
    expect(await names(admin, { query: tag, flagged: false })).toHaveLength(3);
    const [first] = (await admin.client.request(UsersDocument, { filter: { query: tag }, first: 1 })).users.edges;
    const rest = (await admin.client.request(UsersDocument, { filter: { query: tag }, first: 10, after: first.cursor })).users.edges.map((e) => e.node.id);
    expect([first.node.id, ...rest]).toEqual([percent.id, loud.id, quiet.id]);

    await expectError(quiet.client.request(UsersDocument, {}), 'FORBIDDEN');
    await expectError(admin.client.request(UsersDocument, { filter: { query: '  ' } }), 'BAD_USER_INPUT', { field: 'query' });
  });
});

describe('staff actions on an SOS', () => {
  it('staff call an SOS off with a reason and keep notes only staff see, audited', async () => {
    const professional = await signInAs(server, Role.PROFESSIONAL);
    const admin = await signInAs(server, Role.ADMIN);
    const centre = freshCentre();
    const volunteer = await volunteerAt(server, at(100, 0, centre));
    const person = await signUp(server);
    const { raiseSos } = await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } });
    expect((await volunteer.client.request(MyAlertsDocument)).myAlerts.map((a) => a.sos.id)).toEqual([raiseSos.id]);

    await expectError(person.client.request(CancelSosAsStaffDocument, { sosId: raiseSos.id, reason: 'mine' }), 'FORBIDDEN');
    await expectError(professional.client.request(CancelSosAsStaffDocument, { sosId: raiseSos.id, reason: '  ' }), 'BAD_USER_INPUT', { field: 'reason' });
    await expectError(professional.client.request(CancelSosAsStaffDocument, { sosId: randomUUID(), reason: 'Duplicate' }), 'NOT_FOUND');
    const { cancelSosAsStaff } = await professional.client.request(CancelSosAsStaffDocument, { sosId: raiseSos.id, reason: 'Duplicate of a phone call' });
    expect(cancelSosAsStaff.status).toBe('CANCELLED');
    expect((await volunteer.client.request(MyAlertsDocument)).myAlerts).toEqual([]);
    const { sos } = await person.client.request(SosDocument, { id: raiseSos.id });
    expect(sos!.timeline.at(-1)).toMatchObject({ type: 'CANCELLED', message: 'Cancelled by staff: Duplicate of a phone call' });
    await expectError(professional.client.request(CancelSosAsStaffDocument, { sosId: raiseSos.id, reason: 'Again' }), 'CONFLICT');

    const { addSosNote } = await professional.client.request(AddSosNoteDocument, { sosId: raiseSos.id, text: ' Caller confirmed by phone ' });
    expect(addSosNote).toMatchObject({ text: 'Caller confirmed by phone', authorId: professional.id });
    await expectError(professional.client.request(AddSosNoteDocument, { sosId: raiseSos.id, text: '' }), 'BAD_USER_INPUT', { field: 'text' });
    await expectError(person.client.request(AddSosNoteDocument, { sosId: raiseSos.id, text: 'Hello' }), 'FORBIDDEN');
    expect((await admin.client.request(SosNotesDocument, { id: raiseSos.id })).sos!.notes).toEqual([addSosNote]);
    expect((await person.client.request(SosNotesDocument, { id: raiseSos.id })).sos!.notes).toBeNull();

    // (Staff were also shown its exact location: that read is audited too, and tested below.)
    const actions = (await auditOf(admin, { subjectId: raiseSos.id })).filter((e) => e.kind !== 'EXACT_LOCATION_READ');
    expect(actions.map((e) => [e.kind, e.actorId, e.details])).toEqual([
      ['SOS_NOTE_ADDED', professional.id, { noteId: addSosNote.id }],
      ['SOS_CANCELLED_BY_STAFF', professional.id, { reason: 'Duplicate of a phone call' }],
    ]);
  });
});

describe('reassignSos (staff)', () => {
  it('offers an SOS to a volunteer staff name, or takes it from its volunteer and matches again; audited', async () => {
    const professional = await signInAs(server, Role.PROFESSIONAL);
    const admin = await signInAs(server, Role.ADMIN);
    const centre = freshCentre();
    const first = await volunteerAt(server, at(100, 0, centre));
    const second = await volunteerAt(server, at(200, 90, centre));
    const person = await signUp(server);
    const { raiseSos } = await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } });
    await first.client.request(AcceptSosDocument, { sosId: raiseSos.id });
    const offersOf = async (volunteer: Actor) => (await volunteer.client.request(MyAlertsDocument)).myAlerts.map((a) => a.sos.id);
    expect(await offersOf(second)).toEqual([]);

    await expectError(person.client.request(ReassignSosDocument, { sosId: raiseSos.id }), 'FORBIDDEN');
    await expectError(first.client.request(ReassignSosDocument, { sosId: raiseSos.id }), 'FORBIDDEN');
    await expectError(professional.client.request(ReassignSosDocument, { sosId: randomUUID() }), 'NOT_FOUND');
    await expectError(professional.client.request(ReassignSosDocument, { sosId: raiseSos.id, volunteerId: randomUUID() }), 'NOT_FOUND');
    await expectError(professional.client.request(ReassignSosDocument, { sosId: raiseSos.id, volunteerId: first.volunteerId }), 'BAD_USER_INPUT', { field: 'volunteerId' });
    const nowhere = await volunteerAt(server, null, ['FIRST_AID'], false);
    await expectError(professional.client.request(ReassignSosDocument, { sosId: raiseSos.id, volunteerId: nowhere.volunteerId }), 'BAD_USER_INPUT', { field: 'volunteerId' });
    expect((await person.client.request(SosDocument, { id: raiseSos.id })).sos).toMatchObject({ status: 'ACCEPTED' });

    // Offered to the one staff name (declined or withdrawn before: offered afresh), and only to them.
    const offered = (await professional.client.request(ReassignSosDocument, { sosId: raiseSos.id, volunteerId: second.volunteerId, reason: 'closer by car' })).reassignSos;
    expect(offered).toMatchObject({ status: 'MATCHING', assignedVolunteer: null });
    const timeline = async () => (await professional.client.request(SosDocument, { id: raiseSos.id })).sos!.timeline;
    expect((await timeline()).at(-1)).toMatchObject({ type: 'REASSIGNED', message: 'Staff offered this SOS to a volunteer they chose: closer by car' });
    expect(await offersOf(second)).toEqual([raiseSos.id]);
    expect((await first.client.request(MyAssignmentDocument)).myAssignment).toBeNull();
    await second.client.request(AcceptSosDocument, { sosId: raiseSos.id });

    // Taken from them and matched again: someone not alerted before is.
    const third = await volunteerAt(server, at(300, 180, centre));
    await admin.client.request(ReassignSosDocument, { sosId: raiseSos.id });
    expect((await timeline()).map((e) => e.type)).toEqual(expect.arrayContaining(['REASSIGNED', 'REMATCHING']));
    expect((await timeline()).filter((e) => e.type === 'REASSIGNED').at(-1)!.message).toBe('Staff took this SOS from its volunteer');
    expect(await eventually(() => offersOf(third), (ids) => ids.length > 0)).toEqual([raiseSos.id]);
    expect((await second.client.request(MyAssignmentDocument)).myAssignment).toBeNull();
    expect(await offersOf(second)).toEqual([]);

    const entries = await auditOf(admin, { subjectId: raiseSos.id, kind: 'SOS_REASSIGNED' });
    expect(entries.map((e) => [e.actorId, e.details])).toEqual([
      [admin.id, { droppedVolunteerId: second.volunteerId, offeredVolunteerId: null, reason: null }],
      [professional.id, { droppedVolunteerId: first.volunteerId, offeredVolunteerId: second.volunteerId, reason: 'closer by car' }],
    ]);

    await admin.client.request(CancelSosAsStaffDocument, { sosId: raiseSos.id, reason: 'test over' });
    await expectError(admin.client.request(ReassignSosDocument, { sosId: raiseSos.id }), 'CONFLICT');
  });
});

describe('route for after-action review', () => {
  it("keeps the assigned volunteer's way while help is on the way, throttled, for the requester and staff", async () => {
    const admin = await signInAs(server, Role.ADMIN);
    const centre = freshCentre();
    const helper = await volunteerAt(server, at(500, 0, centre));
    const other = await volunteerAt(server, at(600, 90, centre));
    const person = await signUp(server);
    const { raiseSos } = await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } });
    expect((await other.client.request(MyAlertsDocument)).myAlerts.map((a) => a.sos.id)).toContain(raiseSos.id);
    const move = (meters: number) => helper.client.request(UpdateLocationDocument, { location: at(meters, 0, centre) });
    await move(490); // before accepting: not on the route
    await helper.client.request(AcceptSosDocument, { sosId: raiseSos.id });
    await move(400);
    await move(397); // 3 m on, within the interval: not kept
    await move(300);
    const routeOf = async (caller: Actor) => (await caller.client.request(SosRouteDocument, { id: raiseSos.id })).sos?.route ?? null;
    const route = await eventually(() => routeOf(person), (points) => (points?.length ?? 0) >= 2);
    expect(route!.map((p) => Math.round(distanceMeters(p.location, centre)))).toEqual([400, 300]);
    expect(route!.every((p) => p.volunteerId === helper.volunteerId)).toBe(true);
    expect(await routeOf(admin)).toEqual(route);
    // The other volunteer was alerted (may see the SOS), not helping: no route.
    expect(await routeOf(other)).toBeNull();

    await helper.client.request(ResolveSosDocument, { sosId: raiseSos.id });
    await move(50);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await routeOf(person)).toEqual(route);
  });
});

describe('audit log', () => {
  it('is for admins only', async () => {
    await expectError(server.client().request(AuditLogDocument, {}), 'UNAUTHENTICATED');
    for (const role of [Role.USER, Role.VOLUNTEER, Role.PROFESSIONAL]) {
      const caller = await signInAs(server, role);
      await expectError(caller.client.request(AuditLogDocument, {}), 'FORBIDDEN');
    }
  });

  it('records a reused refresh token (no actor), and filters and pages newest first', async () => {
    const admin = await signInAs(server, Role.ADMIN);
    const person = await signUp(server);
    const before = new Date().toISOString();
    const stolen = person.session.refreshToken;
    await server.client().request(RefreshSessionDocument, { refreshToken: stolen });
    await expectError(server.client().request(RefreshSessionDocument, { refreshToken: stolen }), 'UNAUTHENTICATED');
    const [reuse] = await auditOf(admin, { subjectId: person.id });
    // Revoked: the reused token's sign-in, i.e. it and the token its first use made.
    expect(reuse).toMatchObject({ kind: 'REFRESH_TOKEN_REUSED', actorId: null, subjectType: 'USER', subjectId: person.id, details: { revoked: 2 } });

    // Two more entries after `before`, to page through one at a time.
    await admin.client.request(SetUserRoleDocument, { userId: person.id, role: 'PROFESSIONAL' });
    await admin.client.request(SetUserRoleDocument, { userId: person.id, role: 'USER' });
    const page = (after?: string | null) => admin.client.request(AuditLogDocument, { filter: { subjectId: person.id, from: before }, first: 1, after }).then((r) => r.auditLog);
    const seen: [string, Record<string, unknown>][] = [];
    let cursor: string | null | undefined;
    for (;;) {
      const { edges, pageInfo } = await page(cursor);
      seen.push(...edges.map((e): [string, Record<string, unknown>] => [e.node.kind, e.node.details]));
      if (!pageInfo.hasNextPage) break;
      cursor = pageInfo.endCursor;
    }
    expect(seen).toEqual([
      ['ROLE_CHANGED', { from: 'PROFESSIONAL', to: 'USER' }],
      ['ROLE_CHANGED', { from: 'USER', to: 'PROFESSIONAL' }],
      ['REFRESH_TOKEN_REUSED', { familyId: reuse.details.familyId, revoked: 2 }],
    ]);
    expect(await auditOf(admin, { actorId: admin.id, kind: 'REFRESH_TOKEN_REUSED' })).toEqual([]);
    const { auditLog } = await admin.client.request(AuditLogDocument, { filter: { subjectId: person.id, to: before } });
    expect(auditLog.edges).toEqual([]);

    await expectError(admin.client.request(AuditLogDocument, { after: 'not-a-cursor' }), 'BAD_USER_INPUT', { field: 'after' });
    await expectError(admin.client.request(AuditLogDocument, { filter: { from: before, to: before } }), 'BAD_USER_INPUT', { field: 'filter.to' });
    await expectError(admin.client.request(AuditLogDocument, { first: 0 }), 'BAD_USER_INPUT', { field: 'first' });
  });

  it("records staff reading an SOS's exact location (once per while) and a sign-in locked out by failed attempts", async () => {
    const admin = await signInAs(server, Role.ADMIN);
    const person = await signUp(server);
    const { raiseSos } = await person.client.request(RaiseSosDocument, { input: { location: freshCentre(), category: 'MEDICAL', idempotencyKey: randomUUID() } });
    await person.client.request(SosDocument, { id: raiseSos.id });
    expect(await auditOf(admin, { subjectId: raiseSos.id })).toEqual([]);
    await admin.client.request(SosDocument, { id: raiseSos.id });
    await admin.client.request(SosDocument, { id: raiseSos.id });
    expect((await auditOf(admin, { subjectId: raiseSos.id })).map((e) => [e.kind, e.actorId])).toEqual([['EXACT_LOCATION_READ', admin.id]]);
    // So is an admin shown a volunteer's stored location (the volunteer seeing their own is not).
    const volunteer = await volunteerAt(server, at(200, 0, freshCentre()));
    await volunteer.client.request(MyVolunteerProfileDocument);
    expect(await auditOf(admin, { subjectId: volunteer.volunteerId })).toEqual([]);
    expect((await admin.client.request(UserVolunteerDocument, { id: volunteer.id })).user!.volunteer!.lastLocation).not.toBeNull();
    expect((await auditOf(admin, { subjectId: volunteer.volunteerId })).map((e) => [e.kind, e.subjectType, e.actorId])).toEqual([['EXACT_LOCATION_READ', 'VOLUNTEER', admin.id]]);

    const attempt = () => server.client().request(LoginDocument, { input: { email: person.email, password: 'not the password at all' } });
    for (let i = 0; i < Number(server.config.LOGIN_FAILURES_PER_ACCOUNT); i++) await expectError(attempt(), 'UNAUTHENTICATED');
    await expectError(attempt(), 'RATE_LIMITED');
    await expectError(attempt(), 'RATE_LIMITED');
    const lockouts = await auditOf(admin, { subjectId: person.id, kind: 'LOGIN_LOCKED_OUT' });
    expect(lockouts).toHaveLength(1);
    expect(lockouts[0]).toMatchObject({ actorId: null, details: { clientIp: expect.any(String), retryAfterSeconds: expect.any(Number) } });
  });

  it('cannot be changed, not even by the database role the API connects as', async () => {
    const db = new Client({ connectionString: env.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM audit_events');
      expect(rows[0].count).toBeGreaterThan(0);
      // Retention may take a client IP address out of an entry's details (privacy.e2e), and nothing else.
      await db.query(`INSERT INTO audit_events (kind, subject_type, details) VALUES ('LOGIN_LOCKED_OUT', 'USER', '{"clientIp": "203.0.113.7", "retryAfterSeconds": 60}')`);
      for (const statement of [
        'UPDATE audit_events SET kind = kind',
        `UPDATE audit_events SET details = '{}' WHERE details ? 'clientIp'`,
        `UPDATE audit_events SET details = details - 'clientIp', subject_id = gen_random_uuid() WHERE details ? 'clientIp'`,
        'DELETE FROM audit_events',
        'TRUNCATE audit_events',
      ]) {
        await expect(db.query(statement)).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('append-only') });
      }
      expect((await db.query<{ count: number }>('SELECT count(*)::int AS count FROM audit_events')).rows[0].count).toBe(rows[0].count + 1);
    } finally {
      await db.end();
    }
  });
});
