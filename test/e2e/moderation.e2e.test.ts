import { randomUUID } from 'node:crypto';
import {
  AuditLogDocument,
  CancelSosDocument,
  FlagsDocument,
  MeDocument,
  RaiseSosDocument,
  ResolveFlagDocument,
  SosDocument,
  UsersDocument,
  type FlagsFilter,
} from '../../sdk/index';
import { Role, signInAs, signUp, type Actor } from '../helpers/actors';
import { expectError } from '../helpers/expect-error';
import { SmtpInbox } from '../helpers/fakes/smtp-inbox';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { freshCentre } from '../helpers/volunteers';
import { eventually } from '../helpers/wait';

// Warnings are mailed: to a real SMTP server this file runs.
const env = useTestEnvironment();
const inbox = new SmtpInbox();
let server: TestServer;
let admin: Actor;
let professional: Actor;

beforeAll(async () => {
  await inbox.start();
  server = await env.start({
    SMTP_URL: inbox.url,
    MAIL_FROM: 'CareConnect <no-reply@careconnect.test>',
    NOTIFY_SWEEP_SECONDS: '1',
    SOS_CANCELLED_MINIMUM: '2',
    SOS_PER_HOUR: '50',
    TRUSTED_PROXIES: 'loopback',
  });
  admin = await signInAs(server, Role.ADMIN);
  professional = await signInAs(server, Role.PROFESSIONAL);
});

afterAll(async () => {
  await server.stop();
  await inbox.close();
});

const flagsOf = async (staff: Actor, filter: FlagsFilter) => (await staff.client.request(FlagsDocument, { filter, first: 100 })).flags.edges.map((e) => e.node);

/** Raises an SOS and cancels it: two of these flag the person (more than half of at least two cancelled). */
async function raiseAndCancel(person: Actor): Promise<string> {
  const { raiseSos } = await person.client.request(RaiseSosDocument, { input: { location: freshCentre(), category: 'OTHER', idempotencyKey: randomUUID() } });
  await person.client.request(CancelSosDocument, { sosId: raiseSos.id });
  return raiseSos.id;
}

const flaggedInUsers = async (person: Actor) =>
  (await admin.client.request(UsersDocument, { filter: { query: person.email, flagged: true }, first: 10 })).users.edges.some((e) => e.node.id === person.id);

describe('moderation queue', () => {
  it('opens one flag per concern, adds to it while open, and shows it to staff only', async () => {
    const person = await signUp(server);
    await raiseAndCancel(person);
    expect(await flagsOf(admin, { personId: person.id })).toEqual([]);
    const second = await raiseAndCancel(person);
    const third = await raiseAndCancel(person);

    const [flag, ...others] = await flagsOf(professional, { personId: person.id });
    expect(others).toEqual([]);
    expect(flag).toMatchObject({ kind: 'CANCELLATIONS', subjectType: 'USER', subjectId: person.id, state: 'OPEN', raisedCount: 2, evidence: { cancelled: 3, total: 3, lastSosId: third } });
    expect(flag.history.map((h) => [h.type, h.evidence?.lastSosId])).toEqual([
      ['OPENED', second],
      ['RAISED_AGAIN', third],
    ]);
    expect(await flaggedInUsers(person)).toBe(true);
    expect((await flagsOf(admin, { state: 'OPEN', kind: 'CANCELLATIONS' })).map((f) => f.id)).toContain(flag.id);
    expect(await flagsOf(admin, { state: 'CLEARED', personId: person.id })).toEqual([]);

    await expectError(server.client().request(FlagsDocument, {}), 'UNAUTHENTICATED');
    for (const role of [Role.USER, Role.VOLUNTEER]) {
      const caller = await signInAs(server, role);
      await expectError(caller.client.request(FlagsDocument, {}), 'FORBIDDEN');
      await expectError(caller.client.request(ResolveFlagDocument, { id: flag.id, action: 'CLEAR', note: 'mine now' }), 'FORBIDDEN');
    }
    await expectError(person.client.request(ResolveFlagDocument, { id: flag.id, action: 'CLEAR', note: 'not me' }), 'FORBIDDEN');
    await expectError(admin.client.request(FlagsDocument, { filter: { personId: 'nope' } }), 'BAD_USER_INPUT', { field: 'personId' });
    expect((await flagsOf(admin, { personId: person.id }))[0].state).toBe('OPEN');
  });

  it('clears a flag (audited); the subject is no longer flagged; a new concern opens a new flag', async () => {
    const person = await signUp(server);
    await raiseAndCancel(person);
    await raiseAndCancel(person);
    const [flag] = await flagsOf(admin, { personId: person.id, state: 'OPEN' });

    await expectError(professional.client.request(ResolveFlagDocument, { id: flag.id, action: 'CLEAR', note: '   ' }), 'BAD_USER_INPUT', { field: 'note' });
    await expectError(professional.client.request(ResolveFlagDocument, { id: randomUUID(), action: 'CLEAR', note: 'x' }), 'NOT_FOUND');
    const cleared = (await professional.client.request(ResolveFlagDocument, { id: flag.id, action: 'CLEAR', note: ' test SOS during training ' })).resolveFlag;
    expect(cleared).toMatchObject({ state: 'CLEARED', action: 'CLEAR', note: 'test SOS during training', resolvedBy: professional.id });
    await expectError(admin.client.request(ResolveFlagDocument, { id: flag.id, action: 'WARN', note: 'again' }), 'CONFLICT');
    expect(await flaggedInUsers(person)).toBe(false);

    const audit = (await admin.client.request(AuditLogDocument, { filter: { kind: 'FLAG_RESOLVED', subjectId: person.id } })).auditLog.edges.map((e) => e.node);
    expect(audit).toEqual([
      expect.objectContaining({ actorId: professional.id, subjectType: 'USER', details: { flagId: flag.id, kind: 'CANCELLATIONS', action: 'CLEAR', note: 'test SOS during training', personId: person.id } }),
    ]);

    await raiseAndCancel(person);
    const flags = await flagsOf(admin, { personId: person.id });
    expect(flags.map((f) => f.state)).toEqual(['OPEN', 'CLEARED']);
    expect(flags[0].history.map((h) => h.type)).toEqual(['OPENED']);
    expect(await flaggedInUsers(person)).toBe(true);
  });

  it('WARN mails the person the note', async () => {
    const person = await signUp(server);
    await raiseAndCancel(person);
    await raiseAndCancel(person);
    const [flag] = await flagsOf(professional, { personId: person.id, state: 'OPEN' });
    const warned = (await professional.client.request(ResolveFlagDocument, { id: flag.id, action: 'WARN', note: 'Please only raise an SOS in an emergency.' })).resolveFlag;
    expect(warned).toMatchObject({ state: 'ACTIONED', action: 'WARN' });
    const [mail] = await eventually(async () => inbox.to(person.email), (m) => m.length === 1);
    expect(mail.raw).toMatch(/Subject: A warning about your CareConnect account/);
    expect(mail.raw).toMatch(/Please only raise an SOS in an emergency\./);
    expect((await flagsOf(admin, { personId: person.id }))[0].history.map((h) => [h.type, h.actorId, h.note])).toEqual([
      ['OPENED', null, null],
      ['WARNED', professional.id, 'Please only raise an SOS in an emergency.'],
    ]);
  });

  it('SUSPEND is for admins: it suspends the person concerned and closes the flag in one transaction', async () => {
    const person = await signUp(server);
    // 81.169.145.1 is in Berlin: an SOS claimed in Sydney from there is flagged, and still matched.
    const spoofed = (
      await server.client(person.session, { 'x-forwarded-for': '81.169.145.1' }).request(RaiseSosDocument, {
        input: { location: { latitude: -33.87, longitude: 151.21 }, category: 'OTHER', idempotencyKey: randomUUID() },
      })
    ).raiseSos;
    const [flag] = await flagsOf(admin, { subjectId: spoofed.id });
    expect(flag).toMatchObject({ kind: 'SPOOFED_LOCATION', subjectType: 'SOS', personId: person.id, state: 'OPEN' });
    expect(flag.evidence.reason).toMatch(/km from where the client's IP address is/);
    expect((await admin.client.request(SosDocument, { id: spoofed.id })).sos?.flaggedForReview).toBe(true);

    await expectError(professional.client.request(ResolveFlagDocument, { id: flag.id, action: 'SUSPEND', note: 'hoax' }), 'FORBIDDEN');
    expect((await flagsOf(admin, { subjectId: spoofed.id }))[0].state).toBe('OPEN');
    await person.client.request(MeDocument);

    const suspended = (await admin.client.request(ResolveFlagDocument, { id: flag.id, action: 'SUSPEND', note: 'hoax SOS from abroad' })).resolveFlag;
    expect(suspended).toMatchObject({ state: 'ACTIONED', action: 'SUSPEND', resolvedBy: admin.id });
    await expectError(person.client.request(MeDocument), 'FORBIDDEN', { suspended: true });
    expect((await admin.client.request(SosDocument, { id: spoofed.id })).sos?.flaggedForReview).toBe(false);
    const kinds = (await admin.client.request(AuditLogDocument, { filter: { actorId: admin.id }, first: 100 })).auditLog.edges.map((e) => [e.node.kind, e.node.subjectId]);
    expect(kinds).toEqual(expect.arrayContaining([['ACCOUNT_SUSPENDED', person.id], ['FLAG_RESOLVED', spoofed.id]]));
  });

  it('a refused suspension leaves the flag open', async () => {
    const otherAdmin = await signInAs(server, Role.ADMIN);
    await raiseAndCancel(otherAdmin);
    await raiseAndCancel(otherAdmin);
    const [flag] = await flagsOf(admin, { personId: otherAdmin.id, state: 'OPEN' });
    await expectError(admin.client.request(ResolveFlagDocument, { id: flag.id, action: 'SUSPEND', note: 'no' }), 'CONFLICT');
    expect((await flagsOf(admin, { personId: otherAdmin.id }))[0]).toMatchObject({ state: 'OPEN', history: [expect.objectContaining({ type: 'OPENED' })] });
  });
});
