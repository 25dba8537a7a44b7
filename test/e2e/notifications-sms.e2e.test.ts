import { randomInt, randomUUID } from 'node:crypto';
import {
  MarkAlertSeenDocument,
  NotificationPreferencesDocument,
  RaiseSosDocument,
  RegisterDeviceDocument,
  RequestPhoneVerificationDocument,
  SosOffersDocument,
  UpdateNotificationPreferencesDocument,
  VerifyPhoneDocument,
} from '../../sdk/index';
import { Role, signInAs, signUp } from '../helpers/actors';
import { expectError } from '../helpers/expect-error';
import { FakeFcm } from '../helpers/fakes/fake-fcm';
import { FakeTwilio, FakeVonage } from '../helpers/fakes/fake-sms';
import { verifyPhoneBySms } from '../helpers/phones';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, freshCentre, volunteerAt } from '../helpers/volunteers';
import { eventually } from '../helpers/wait';
import { queryRows } from '../helpers/databases';

// FCM, a Twilio-compatible primary and a Vonage backup, all local servers speaking their APIs.
const env = useTestEnvironment();
const fcm = new FakeFcm();
const twilio = new FakeTwilio();
const vonage = new FakeVonage();
let server: TestServer;

beforeAll(async () => {
  await Promise.all([fcm.start(), twilio.start(), vonage.start()]);
  server = await env.start({
    FCM_SERVICE_ACCOUNT_JSON: fcm.serviceAccountJson(),
    FCM_BASE_URL: fcm.url,
    ...twilio.settings(),
    ...vonage.settings(),
    NOTIFY_SMS_AFTER_SECONDS: '1',
    NOTIFY_SWEEP_SECONDS: '1',
    SOS_STEP_TIMEOUT_SECONDS: '60',
    SOS_PER_HOUR: '50',
  });
});

afterAll(async () => {
  await server.stop();
  await Promise.all([fcm.close(), twilio.close(), vonage.close()]);
});

afterEach(() => {
  twilio.failing = false;
});

const newPhone = () => `+49151${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const rows = <T>(sql: string, params: unknown[]) => queryRows<T>(env.databaseUrl, sql, params);

/** A volunteer with an Android phone, a verified number, and SMS alerts turned on. */
async function smsVolunteer(point: { latitude: number; longitude: number }) {
  const volunteer = await volunteerAt(server, point);
  const phone = newPhone();
  const token = `fcm-${randomUUID()}`;
  await volunteer.client.request(RegisterDeviceDocument, { input: { platform: 'ANDROID', pushToken: token, appVersion: '2.4.1', locale: 'en' } });
  expect(await verifyPhoneBySms(volunteer.client, twilio, phone)).toBe(true);
  await volunteer.client.request(UpdateNotificationPreferencesDocument, { input: { preferences: [{ category: 'SOS_ALERT', channel: 'SMS', enabled: true }] } });
  return { ...volunteer, phone, token };
}

describe('preferences', () => {
  it('start with push on and SMS off, change one at a time, and refuse what cannot be turned off', async () => {
    const person = await signUp(server);
    const initial = (await person.client.request(NotificationPreferencesDocument)).notificationPreferences;
    expect(initial).toContainEqual({ category: 'SOS_ALERT', channel: 'PUSH', enabled: true });
    expect(initial).toContainEqual({ category: 'SOS_ALERT', channel: 'SMS', enabled: false });
    const updated = (await person.client.request(UpdateNotificationPreferencesDocument, { input: { preferences: [{ category: 'ESCALATION', channel: 'SMS', enabled: true }] } }))
      .updateNotificationPreferences;
    expect(updated).toContainEqual({ category: 'ESCALATION', channel: 'SMS', enabled: true });
    expect(updated).toContainEqual({ category: 'SOS_ALERT', channel: 'SMS', enabled: false });
    await expectError(
      person.client.request(UpdateNotificationPreferencesDocument, { input: { preferences: [{ category: 'ALERT_CLEARED', channel: 'PUSH', enabled: false }] } }),
      'BAD_USER_INPUT',
    );
  });
});

describe('phone verification', () => {
  it('sends a code by SMS, counts wrong tries, verifies with the right one, and keeps no code', async () => {
    const person = await signUp(server);
    const phone = newPhone();
    await expectError(person.client.request(RequestPhoneVerificationDocument, { phone: '0151 1234' }), 'BAD_USER_INPUT', { field: 'phone' });
    await person.client.request(RequestPhoneVerificationDocument, { phone });
    const [sms] = await eventually(async () => twilio.to(phone), (m) => m.length === 1);
    const code = /\b(\d{6})\b/.exec(sms.text)![1];
    const wrong = code === '000000' ? '111111' : '000000';
    await expectError(person.client.request(VerifyPhoneDocument, { code: wrong }), 'BAD_USER_INPUT', { field: 'code', triesLeft: 4 });
    expect((await person.client.request(VerifyPhoneDocument, { code })).verifyPhone).toEqual({ id: person.id, phoneVerified: true });
    // Used up, and the code is gone from the outbox row once sent.
    await expectError(person.client.request(VerifyPhoneDocument, { code }), 'BAD_USER_INPUT');
    expect(await rows("SELECT payload ? 'code' AS kept FROM notifications WHERE user_id = $1 AND category = 'PHONE_CODE'", [person.id])).toEqual([{ kept: false }]);
    expect(await rows('SELECT phone FROM users WHERE id = $1', [person.id])).toEqual([{ phone }]);
  });

  it('limits the codes sent to one number', async () => {
    const phone = newPhone();
    const people = await Promise.all([signUp(server), signUp(server)]);
    for (let i = 0; i < 3; i++) await people[i % 2].client.request(RequestPhoneVerificationDocument, { phone });
    await expectError(people[1].client.request(RequestPhoneVerificationDocument, { phone }), 'RATE_LIMITED');
  });
});

describe('SMS after an unanswered alert', () => {
  it('follows the push when the alert is neither seen nor answered, in the volunteer’s language, through the primary provider', async () => {
    const centre = freshCentre();
    const volunteer = await smsVolunteer(at(90, 0, centre));
    await (await signUp(server)).client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } });
    await eventually(async () => fcm.to(volunteer.token), (m) => m.length === 1);
    const [sms] = await eventually(async () => twilio.to(volunteer.phone).filter((m) => m.text.includes('SOS')), (m) => m.length === 1, 8000);
    expect(sms).toMatchObject({ from: twilio.from, text: 'CareConnect: SOS nearby (medical emergency, 90 m from you). Open the app to answer.' });
  });

  it('is not sent once the app marked the alert seen', async () => {
    const centre = freshCentre();
    const volunteer = await smsVolunteer(at(90, 0, centre));
    const { raiseSos } = await (await signUp(server)).client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } });
    const [push] = await eventually(async () => fcm.to(volunteer.token), (m) => m.length === 1);
    const { markAlertSeen } = await volunteer.client.request(MarkAlertSeenDocument, { alertId: push.data.alertId });
    expect(markAlertSeen).toMatchObject({ id: push.data.alertId, status: 'OFFERED', seenAt: expect.any(String) });
    // Staff see who was offered it and that they saw it; the volunteer sees no one else's offers.
    const professional = await signInAs(server, Role.PROFESSIONAL);
    const offers = (await professional.client.request(SosOffersDocument, { id: raiseSos.id })).sos!.alerts!;
    expect(offers).toEqual([{ id: push.data.alertId, status: 'OFFERED', distanceMeters: expect.closeTo(90, 0), expiresAt: expect.any(String), seenAt: markAlertSeen.seenAt, volunteer: { id: volunteer.volunteerId } }]);
    expect((await volunteer.client.request(SosOffersDocument, { id: raiseSos.id })).sos!.alerts).toBeNull();
    const [skipped] = await eventually(
      () => rows<{ status: string; last_error: string }>("SELECT status, last_error FROM notifications WHERE user_id = $1 AND channel = 'SMS' AND category = 'SOS_ALERT'", [volunteer.id]),
      (r) => r[0]?.status !== 'PENDING',
      8000,
    );
    expect(skipped).toEqual({ status: 'SKIPPED', last_error: 'the alert was seen, answered or is over' });
    expect(twilio.to(volunteer.phone).filter((m) => m.text.includes('SOS'))).toEqual([]);
    // Someone else's alert is NOT_FOUND to them.
    await expectError((await signUp(server)).client.request(MarkAlertSeenDocument, { alertId: push.data.alertId }), 'NOT_FOUND');
  });

  it('goes through the backup provider while the primary fails', async () => {
    const centre = freshCentre();
    const volunteer = await smsVolunteer(at(90, 0, centre));
    twilio.failing = true;
    await (await signUp(server)).client.request(RaiseSosDocument, { input: { location: centre, category: 'FIRE', idempotencyKey: randomUUID() } });
    const [sms] = await eventually(async () => vonage.to(volunteer.phone), (m) => m.length === 1, 8000);
    expect(sms).toMatchObject({ from: vonage.from, text: expect.stringContaining('SOS nearby (fire') });
    await sleep(300);
    const attempts = await rows<{ provider: string; outcome: string }>(
      "SELECT a.provider, a.outcome FROM notification_attempts a JOIN notifications n ON n.id = a.notification_id WHERE n.user_id = $1 AND n.channel = 'SMS' AND n.category = 'SOS_ALERT' ORDER BY a.provider",
      [volunteer.id],
    );
    expect(attempts).toEqual([
      { provider: 'twilio', outcome: 'retry' },
      { provider: 'vonage', outcome: 'accepted' },
    ]);
  });
});
