import { randomUUID } from 'node:crypto';
import { cellToParent, latLngToCell } from 'h3-js';
import {
  AcceptSosDocument,
  AuditLogDocument,
  CancelSosDocument,
  ConversationDocument,
  DeleteMyAccountDocument,
  ExportMyDataDocument,
  LoginDocument,
  MeDocument,
  RaiseSosDocument,
  ResolveSosDocument,
  SendMessageDocument,
  SosConversationDocument,
  SosDocument,
  UpdateLocationDocument,
} from '../../sdk/index';
import { CLOSE_UNAUTHENTICATED } from '../../src/app/websocket';
import { PASSWORD, Role, signInAs, signUp, type Actor } from '../helpers/actors';
import { queryRows } from '../helpers/databases';
import { expectError } from '../helpers/expect-error';
import { openRawSocket } from '../helpers/raw-socket';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, freshCentre, volunteerAt, type VolunteerActor } from '../helpers/volunteers';
import { eventually } from '../helpers/wait';

// Retention runs every second here, with the default retention periods: the test makes data old by dating it back.
const env = useTestEnvironment();
let server: TestServer;
let admin: Actor;

beforeAll(async () => {
  server = await env.start({
    RETENTION_EVERY_SECONDS: '1',
    TRUSTED_PROXIES: 'loopback',
    SOS_ROUTE_INTERVAL_SECONDS: '1',
    SOS_ROUTE_METERS: '1',
    LOGIN_FAILURES_PER_ACCOUNT: '3',
  });
  admin = await signInAs(server, Role.ADMIN);
});

/** The parts of exportMyData this file looks at. */
interface Exported {
  userId: string;
  account: Record<string, unknown>;
  volunteer: Record<string, unknown> | null;
  sos: { raised: { timeline: { type: string }[] }[]; alertsReceived: unknown[] };
  chat: unknown[];
  sessions: { sessions: unknown[] };
}

/** An SOS raised by `person` (from a known IP), accepted by a volunteer who moves twice, a message each way, resolved. */
async function handledSos(person: Actor, volunteer: VolunteerActor): Promise<{ sosId: string; centre: { latitude: number; longitude: number } }> {
  const centre = freshCentre();
  await volunteer.client.request(UpdateLocationDocument, { location: at(100, 0, centre) });
  const { raiseSos } = await server
    .client(person.session, { 'x-forwarded-for': '81.169.145.1' })
    .request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', description: 'Fell off my bike', idempotencyKey: randomUUID() } });
  await volunteer.client.request(AcceptSosDocument, { sosId: raiseSos.id });
  await volunteer.client.request(UpdateLocationDocument, { location: at(60, 0, centre) });
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await volunteer.client.request(UpdateLocationDocument, { location: at(20, 0, centre) });
  const conversation = (await person.client.request(SosConversationDocument, { id: raiseSos.id })).sos!.conversation!;
  await person.client.request(SendMessageDocument, { conversationId: conversation.id, body: 'I am by the bus stop' });
  await volunteer.client.request(SendMessageDocument, { conversationId: conversation.id, body: 'Two minutes away' });
  await volunteer.client.request(ResolveSosDocument, { sosId: raiseSos.id });
  return { sosId: raiseSos.id, centre };
}

describe('exportMyData', () => {
  it('gives the person everything held about them, and no secret', async () => {
    const person = await signUp(server);
    const volunteer = await volunteerAt(server, null);
    const { sosId } = await handledSos(person, volunteer);

    const data = (await person.client.request(ExportMyDataDocument)).exportMyData as unknown as Exported;
    expect(data.userId).toBe(person.id);
    expect(data.account).toMatchObject({ id: person.id, email: person.email });
    expect(data.volunteer).toBeNull();
    expect(data.sos.raised).toEqual([expect.objectContaining({ id: sosId, description: 'Fell off my bike', clientIp: '81.169.145.1', status: 'RESOLVED' })]);
    expect(data.sos.raised[0].timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['CREATED', 'ACCEPTED', 'RESOLVED']));
    expect(data.chat).toEqual([expect.objectContaining({ sosId, messagesSent: [expect.objectContaining({ body: 'I am by the bus stop' })] })]);
    expect(data.sessions.sessions.length).toBeGreaterThanOrEqual(1);
    const text = JSON.stringify(data);
    expect(text).not.toContain(person.session.refreshToken);
    expect(text).not.toMatch(/argon2|passwordHash|\$2[aby]\$/);
    expect(text).not.toContain('Two minutes away'); // the volunteer's words are theirs

    const volunteersData = (await volunteer.client.request(ExportMyDataDocument)).exportMyData as unknown as Exported;
    expect(volunteersData.volunteer).toMatchObject({ id: volunteer.volunteerId, completedCount: 1 });
    expect(volunteersData.sos.alertsReceived).toEqual([expect.objectContaining({ sosId, status: 'ACCEPTED', routePointsKept: 2 })]);

    await expectError(server.client().request(ExportMyDataDocument), 'UNAUTHENTICATED');
  });
});

describe('deleteMyAccount', () => {
  it('needs the password and no open SOS; then the person is gone, and the volunteer keeps the SOS without them', async () => {
    const person = await signUp(server);
    const volunteer = await volunteerAt(server, null);
    const { sosId, centre } = await handledSos(person, volunteer);

    await expectError(person.client.request(DeleteMyAccountDocument, { password: 'not my password' }), 'BAD_USER_INPUT', { field: 'password' });
    const { raiseSos: open } = await person.client.request(RaiseSosDocument, { input: { location: freshCentre(), category: 'OTHER', idempotencyKey: randomUUID() } });
    await expectError(person.client.request(DeleteMyAccountDocument, { password: PASSWORD }), 'CONFLICT');
    expect((await person.client.request(MeDocument)).me.id).toBe(person.id);
    await person.client.request(CancelSosDocument, { sosId: open.id });

    const socket = await openRawSocket(server.wsUrl, { authorization: `Bearer ${person.session.accessToken}` });
    await socket.next('connection_ack');
    expect((await person.client.request(DeleteMyAccountDocument, { password: PASSWORD })).deleteMyAccount).toBe(true);

    await expectError(person.client.request(MeDocument), 'UNAUTHENTICATED');
    await expectError(server.client().request(LoginDocument, { input: { email: person.email, password: PASSWORD } }), 'UNAUTHENTICATED');
    expect((await socket.closed).code).toBe(CLOSE_UNAUTHENTICATED);

    // The volunteer's history keeps the SOS: nobody's name, words or doorstep on it.
    const { sos } = await volunteer.client.request(SosDocument, { id: sosId });
    expect(sos).toMatchObject({ id: sosId, status: 'RESOLVED', description: null, requester: { displayName: 'Deleted account' } });
    expect(sos!.location.latitude).toBeCloseTo(Math.round(centre.latitude * 100) / 100, 6);
    const conversationId = (await volunteer.client.request(SosConversationDocument, { id: sosId })).sos!.conversation!.id;
    const { conversation } = await volunteer.client.request(ConversationDocument, { id: conversationId });
    expect(conversation!.messages.edges.map((e) => e.node.body)).toEqual(['Two minutes away']);
    expect(await queryRows(env.databaseUrl, 'SELECT 1 FROM users WHERE id = $1', [person.id])).toEqual([]);

    const audit = (await admin.client.request(AuditLogDocument, { filter: { kind: 'ACCOUNT_DELETED', subjectId: person.id } })).auditLog.edges;
    expect(audit.map((e) => e.node.actorId)).toEqual([person.id]);
  });

  it('a volunteer who deletes their account leaves the requester their SOS', async () => {
    const person = await signUp(server);
    const volunteer = await volunteerAt(server, null);
    const { sosId } = await handledSos(person, volunteer);
    await volunteer.client.request(DeleteMyAccountDocument, { password: PASSWORD });
    const { sos } = await person.client.request(SosDocument, { id: sosId });
    expect(sos).toMatchObject({ id: sosId, status: 'RESOLVED', description: 'Fell off my bike', assignedVolunteer: null });
  });

  it('counts wrong passwords as failed sign-ins: a stolen token cannot guess the password', async () => {
    const person = await signUp(server);
    for (let i = 0; i < 3; i++) await expectError(person.client.request(DeleteMyAccountDocument, { password: `guess ${i}` }), 'BAD_USER_INPUT');
    await expectError(person.client.request(DeleteMyAccountDocument, { password: PASSWORD }), 'RATE_LIMITED');
    await expectError(server.client().request(LoginDocument, { input: { email: person.email, password: PASSWORD } }), 'RATE_LIMITED');
    expect((await person.client.request(MeDocument)).me.id).toBe(person.id);
  });

  it('the last admin cannot go', async () => {
    await expectError(admin.client.request(DeleteMyAccountDocument, { password: PASSWORD }), 'CONFLICT');
    expect((await admin.client.request(MeDocument)).me.role).toBe('ADMIN');
  });
});

describe('retention', () => {
  it('runs once per period and removes what is past retention, keeping what is not', async () => {
    const person = await signUp(server);
    const volunteer = await volunteerAt(server, null);
    const old = await handledSos(person, volunteer);
    const recent = await handledSos(person, volunteer);
    const db = (sql: string, params: unknown[] = []) => queryRows<Record<string, unknown>>(env.databaseUrl, sql, params);
    const since = new Date();
    // Raised 40 days ago, closed 400 days ago (the test's clock): past every retention.
    await db(`UPDATE sos_requests SET created_at = now() - interval '401 days', closed_at = now() - interval '400 days' WHERE id = $1`, [old.sosId]);
    await db(`UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [volunteer.id]);
    await db(`INSERT INTO audit_events (at, kind, subject_type, subject_id, details) VALUES (now() - interval '31 days', 'LOGIN_LOCKED_OUT', 'USER', $1, '{"clientIp": "203.0.113.9", "retryAfterSeconds": 60}')`, [person.id]);
    const datedBack = new Date();

    // A run that started after the dating back has seen all of it (one that ran meanwhile may have seen part).
    await eventually(() => db('SELECT 1 FROM retention_runs WHERE started_at > $1 AND finished_at IS NOT NULL', [datedBack]), (rows) => rows.length > 0, 10_000);
    const [oldSos] = await db(`SELECT client_ip, ST_Y(location::geometry) AS latitude, to_hex(h3_cell) AS cell FROM sos_requests WHERE id = $1`, [old.sosId]);
    expect(oldSos.client_ip).toBeNull();
    expect(oldSos.latitude).toBeCloseTo(Math.round(old.centre.latitude * 100) / 100, 6);
    // Its cell too: the one of about 0.7 km² around it, not the square metre it was raised on.
    expect(oldSos.cell).toBe(cellToParent(latLngToCell(old.centre.latitude, old.centre.longitude, 15), 8));
    const [recentSos] = await db(`SELECT client_ip, ST_Y(location::geometry) AS latitude, location_coarsened_at FROM sos_requests WHERE id = $1`, [recent.sosId]);
    expect(recentSos).toMatchObject({ client_ip: '81.169.145.1', location_coarsened_at: null });
    expect(recentSos.latitude).toBeCloseTo(recent.centre.latitude, 9);

    const messagesOf = (sosId: string) => db('SELECT m.body FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.sos_id = $1', [sosId]);
    expect(await messagesOf(old.sosId)).toEqual([]);
    expect(await messagesOf(recent.sosId)).toHaveLength(2);
    const routeOf = (sosId: string) => db('SELECT 1 FROM sos_route_points WHERE sos_id = $1', [sosId]);
    expect(await routeOf(old.sosId)).toEqual([]);
    expect(await routeOf(recent.sosId)).toHaveLength(2);

    expect(await db('SELECT 1 FROM refresh_tokens WHERE user_id = $1', [volunteer.id])).toEqual([]);
    expect(await db('SELECT 1 FROM refresh_tokens WHERE user_id = $1', [person.id])).toHaveLength(1);
    const [lockout] = await db(`SELECT details FROM audit_events WHERE kind = 'LOGIN_LOCKED_OUT' AND subject_id = $1`, [person.id]);
    expect(lockout.details).toEqual({ retryAfterSeconds: 60 });

    // One instance per period: each period's run is one row, which says what it removed (each row once, whichever run it was).
    const runs = await db('SELECT period, removed FROM retention_runs WHERE finished_at > $1 ORDER BY period', [since]);
    expect(new Set(runs.map((r) => r.period)).size).toBe(runs.length);
    const removed: Record<string, number> = {};
    for (const run of runs) for (const [kind, n] of Object.entries(run.removed as Record<string, number>)) removed[kind] = (removed[kind] ?? 0) + n;
    expect(removed).toMatchObject({ sosClientIps: 1, sosLocationsCoarsened: 1, chatMessages: 2, routePoints: 2, auditClientIps: 1 });
  });
});
