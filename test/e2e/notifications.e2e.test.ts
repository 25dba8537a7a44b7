import { randomBytes, randomUUID } from 'node:crypto';
import {
  AcceptSosDocument,
  FailedNotificationsDocument,
  RetryNotificationDocument,
  MessageAddedDocument,
  SendMessageDocument,
  SetQuietHoursDocument,
  MyQuietHoursDocument,
  MarkArrivedDocument,
  MyDevicesDocument,
  RaiseSosDocument,
  RegisterDeviceDocument,
  UnregisterDeviceDocument,
  UpdateNotificationPreferencesDocument,
  type DevicePlatform,
} from '../../sdk/index';
import { Role, signInAs, signUp, type Actor } from '../helpers/actors';
import { expectError } from '../helpers/expect-error';
import { FakeApns } from '../helpers/fakes/fake-apns';
import { FakeFcm } from '../helpers/fakes/fake-fcm';
import { RedisProcess } from '../helpers/redis-process';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { acceptedSos } from '../helpers/chat';
import { at, freshCentre, volunteerAt } from '../helpers/volunteers';
import { eventually } from '../helpers/wait';
import { queryRows } from '../helpers/databases';

// Push providers are local servers speaking FCM's and APNs's protocols; Redis is this file's own (it is killed once).
const env = useTestEnvironment();
const fcm = new FakeFcm();
const apns = new FakeApns();
const redis = new RedisProcess();
let server: TestServer;

beforeAll(async () => {
  await Promise.all([fcm.start(), apns.start(), redis.start()]);
  server = await env.start({
    REDIS_URL: redis.url,
    FCM_SERVICE_ACCOUNT_JSON: fcm.serviceAccountJson(),
    FCM_BASE_URL: fcm.url,
    ...apns.settings(),
    SOS_STEP_TIMEOUT_SECONDS: '60',
    SOS_PER_HOUR: '50',
    NOTIFY_SWEEP_SECONDS: '1',
    NOTIFY_NON_EMERGENCY_PER_HOUR: '3',
  });
});

afterAll(async () => {
  await server.stop();
  await Promise.all([fcm.close(), apns.close(), redis.kill()]);
});

afterEach(async () => {
  fcm.mode = 'ok';
  apns.failing = false;
  await redis.start();
  // The server's clients reconnect on their own schedule: the next test starts once it is ready again.
  await eventually(() => fetch(server.url.replace('/graphql', '/readyz')).then((r) => r.status), (status) => status === 200, 10_000);
});

const fcmToken = () => `fcm-${randomBytes(24).toString('base64url')}:APA91b${randomBytes(40).toString('base64url')}`;
const apnsToken = () => randomBytes(32).toString('hex');

async function withDevice(actor: Actor, platform: DevicePlatform, pushToken: string, locale = 'en-GB') {
  return (await actor.client.request(RegisterDeviceDocument, { input: { platform, pushToken, appVersion: '2.4.1', locale } })).registerDevice;
}

/** A volunteer 100 m from a fresh centre, with an Android device registered. */
async function androidVolunteerNearby() {
  const centre = freshCentre();
  const volunteer = await volunteerAt(server, at(100, 0, centre));
  const token = fcmToken();
  await withDevice(volunteer, 'ANDROID', token);
  return { centre, volunteer, token };
}

const outbox = (userId: string) =>
  queryRows<{ category: string; status: string; attempts: number }>(env.databaseUrl, "SELECT category, status, attempts FROM notifications WHERE user_id = $1 AND channel = 'PUSH' ORDER BY created_at", [userId]);

const raise = (person: Actor, location: { latitude: number; longitude: number }, idempotencyKey = randomUUID()) =>
  person.client.request(RaiseSosDocument, { input: { location, category: 'MEDICAL', idempotencyKey } });

describe('devices', () => {
  it('registers idempotently per token, moves a token to the account that registers it, and unregisters only your own', async () => {
    const [ana, ben] = await Promise.all([signUp(server), signUp(server)]);
    const token = fcmToken();
    const first = await withDevice(ana, 'ANDROID', token);
    const again = await withDevice(ana, 'ANDROID', token, 'de-DE');
    expect(again).toMatchObject({ id: first.id, locale: 'de-DE' });
    expect((await ana.client.request(MyDevicesDocument)).myDevices.map((d) => d.id)).toEqual([first.id]);

    // The phone changed hands: the token now belongs to Ben only.
    await withDevice(ben, 'ANDROID', token);
    expect((await ana.client.request(MyDevicesDocument)).myDevices).toEqual([]);
    const [bens] = (await ben.client.request(MyDevicesDocument)).myDevices;
    await expectError(ana.client.request(UnregisterDeviceDocument, { id: bens.id }), 'NOT_FOUND');
    expect((await ben.client.request(UnregisterDeviceDocument, { id: bens.id })).unregisterDevice).toBe(true);
    expect((await ben.client.request(MyDevicesDocument)).myDevices).toEqual([]);
  });

  it('refuses what no platform issues', async () => {
    const person = await signUp(server);
    await expectError(withDevice(person, 'IOS', 'not-hex-at-all'), 'BAD_USER_INPUT', { field: 'pushToken' });
    await expectError(withDevice(person, 'ANDROID', 'has spaces in it'), 'BAD_USER_INPUT');
    await expectError(withDevice(person, 'ANDROID', fcmToken(), 'english please'), 'BAD_USER_INPUT');
    await expectError(person.client.request(RegisterDeviceDocument, { input: { platform: 'WEB', pushToken: fcmToken(), appVersion: ' ', locale: 'en' } }), 'BAD_USER_INPUT');
  });
});

describe('push for an SOS', () => {
  it('wakes volunteers whose app is closed (FCM and APNs), never naming the requester or the exact place, once per alert', async () => {
    const centre = at(37, 45, freshCentre());
    const [android, iphone] = await Promise.all([volunteerAt(server, at(120, 0, centre)), volunteerAt(server, at(200, 180, centre))]);
    const [androidToken, iphoneToken] = [fcmToken(), apnsToken()];
    await withDevice(android, 'ANDROID', androidToken);
    await withDevice(iphone, 'IOS', iphoneToken, 'de-DE');
    const person = await signUp(server, { displayName: 'Ada Requester' });
    const key = randomUUID();
    const { raiseSos: sos } = await raise(person, centre, key);

    const [pushed] = await eventually(async () => fcm.to(androidToken), (m) => m.length > 0);
    expect(pushed.android).toMatchObject({ priority: 'HIGH', collapse_key: sos.id });
    expect(pushed.data).toMatchObject({ type: 'SOS_ALERT', sosId: sos.id, alertId: expect.any(String), distanceMeters: '120' });
    expect(pushed.notification!.title).toContain('medical emergency');
    const [ios] = await eventually(async () => apns.to(iphoneToken), (p) => p.length > 0);
    expect(ios.headers).toMatchObject({ 'apns-priority': '10', 'apns-push-type': 'alert', 'apns-collapse-id': sos.id, 'apns-topic': apns.bundleId });
    expect(ios.payload.aps).toMatchObject({ 'interruption-level': 'time-sensitive', sound: 'default', alert: { title: 'SOS in der Nähe: medizinischer Notfall' } });
    for (const text of [JSON.stringify(pushed), JSON.stringify(ios.payload)]) {
      expect(text).not.toContain('Ada');
      expect(text).not.toContain(String(centre.latitude).slice(0, 7));
    }

    // One OAuth token serves every push for its hour.
    expect(fcm.tokenRequests).toBe(1);
    // A retried raiseSos is the same SOS: no second push.
    expect((await raise(person, centre, key)).raiseSos.id).toBe(sos.id);
    await new Promise((r) => setTimeout(r, 500));
    expect(fcm.to(androidToken)).toHaveLength(1);
    expect(apns.to(iphoneToken)).toHaveLength(1);
  });

  it('writes nothing for what nobody could receive: no device, push turned off, SMS not opted in', async () => {
    const centre = at(37, 45, freshCentre());
    const [reachable, deviceless, muted] = await Promise.all([80, 120, 160].map((metres) => volunteerAt(server, at(metres, 90, centre))));
    await Promise.all([withDevice(reachable, 'ANDROID', fcmToken()), withDevice(muted, 'ANDROID', fcmToken())]);
    await muted.client.request(UpdateNotificationPreferencesDocument, { input: { preferences: [{ category: 'SOS_ALERT', channel: 'PUSH', enabled: false }] } });
    const { raiseSos: sos } = await raise(await signUp(server), centre);
    expect(sos.alertedCount).toBe(3);

    // The outbox rows are written in the matching step's transaction, before raiseSos answers.
    expect((await outbox(reachable.id)).map((n) => n.category)).toEqual(['SOS_ALERT']);
    expect(await outbox(deviceless.id)).toEqual([]);
    expect(await outbox(muted.id)).toEqual([]);
    const sms = await queryRows(env.databaseUrl, "SELECT 1 FROM notifications WHERE channel = 'SMS' AND user_id = ANY($1::uuid[])", [[reachable.id, deviceless.id, muted.id]]);
    expect(sms).toHaveLength(0);
    await eventually(async () => (await outbox(reachable.id))[0].status, (status) => status === 'SENT');
  });

  it('tells the person their volunteer accepted and arrived, and clears the alert on the other volunteer’s lock screen', async () => {
    const centre = freshCentre();
    const [helper, other] = await Promise.all([volunteerAt(server, at(100, 0, centre)), volunteerAt(server, at(150, 90, centre))]);
    const otherToken = apnsToken();
    await withDevice(other, 'IOS', otherToken);
    const person = await signUp(server);
    const personToken = fcmToken();
    await withDevice(person, 'ANDROID', personToken);
    const { raiseSos: sos } = await raise(person, centre);
    await eventually(async () => apns.to(otherToken), (p) => p.length === 1);

    await helper.client.request(AcceptSosDocument, { sosId: sos.id });
    await helper.client.request(MarkArrivedDocument, { sosId: sos.id });
    const told = await eventually(async () => fcm.to(personToken), (m) => m.length === 2);
    expect(told.map((m) => m.data.type)).toEqual(['SOS_ACCEPTED', 'SOS_ARRIVED']);
    expect(told[0].android!.priority).toBe('NORMAL');
    const [, cleared] = await eventually(async () => apns.to(otherToken), (p) => p.length === 2);
    expect(cleared.headers).toMatchObject({ 'apns-push-type': 'background', 'apns-priority': '5' });
    expect(cleared.payload).toMatchObject({ aps: { 'content-available': 1 }, type: 'ALERT_CLEARED', reason: 'WITHDRAWN' });
  });

  it('removes tokens the provider calls dead', async () => {
    const centre = freshCentre();
    const volunteer = await volunteerAt(server, at(100, 0, centre));
    const [gone, alive] = [fcmToken(), apnsToken()];
    fcm.deadTokens.add(gone);
    await withDevice(volunteer, 'ANDROID', gone);
    const kept = await withDevice(volunteer, 'IOS', alive);
    await raise(await signUp(server), centre);
    await eventually(async () => apns.to(alive), (p) => p.length === 1);
    const devices = await eventually(async () => (await volunteer.client.request(MyDevicesDocument)).myDevices, (d) => d.length === 1);
    expect(devices.map((d) => d.id)).toEqual([kept.id]);
  });

  it('retries with backoff while a provider fails, and delivers when it is back', async () => {
    const { centre, volunteer, token } = await androidVolunteerNearby();
    fcm.mode = 'unavailable';
    await raise(await signUp(server), centre);
    await eventually(() => outbox(volunteer.id), (rows) => rows[0]?.attempts >= 2, 10_000);
    expect(fcm.to(token)).toEqual([]);
    fcm.mode = 'ok';
    await eventually(async () => fcm.to(token), (m) => m.length === 1, 15_000);
    const [sent] = await eventually(() => outbox(volunteer.id), (rows) => rows[0]?.status === 'SENT');
    expect(sent.attempts).toBeGreaterThanOrEqual(3);
  });

  it('gives up on a provider that never answers (5 s) and tries again', async () => {
    const { centre, volunteer, token } = await androidVolunteerNearby();
    fcm.mode = 'hang';
    await raise(await signUp(server), centre);
    const [timedOut] = await eventually(() => outbox(volunteer.id), (rows) => rows[0]?.attempts === 1 && rows[0].status === 'PENDING', 10_000);
    expect(timedOut.category).toBe('SOS_ALERT');
    fcm.mode = 'ok';
    await eventually(async () => fcm.to(token), (m) => m.length === 1, 15_000);
    const [attempt] = await queryRows<{ outcome: string; detail: string }>(
      env.databaseUrl,
      "SELECT a.outcome, a.detail FROM notification_attempts a JOIN notifications n ON n.id = a.notification_id WHERE n.user_id = $1 AND n.channel = 'PUSH' ORDER BY a.at LIMIT 1",
      [volunteer.id],
    );
    expect(attempt).toMatchObject({ outcome: 'retry', detail: expect.stringMatching(/abort|timeout/i) });
  }, 30_000);

  it('loses nothing when Redis (and every queued job) is gone: the outbox sweeper delivers', async () => {
    const { centre, volunteer, token } = await androidVolunteerNearby();
    await redis.kill();
    await raise(await signUp(server), centre);
    await eventually(async () => fcm.to(token), (m) => m.length === 1, 10_000);
    expect(await eventually(() => outbox(volunteer.id), (rows) => rows[0]?.status === 'SENT')).toEqual([{ category: 'SOS_ALERT', status: 'SENT', attempts: 1 }]);
  });

  it('dead-letters what a provider refuses; admins see it with its attempts and send it again', async () => {
    const { centre, volunteer, token } = await androidVolunteerNearby();
    const admin = await signInAs(server, Role.ADMIN);
    fcm.mode = 'invalid';
    await raise(await signUp(server), centre);
    const failed = await eventually(
      async () => (await admin.client.request(FailedNotificationsDocument, {})).failedNotifications.find((n) => n.userId === volunteer.id),
      Boolean,
    );
    expect(failed).toMatchObject({ channel: 'PUSH', category: 'SOS_ALERT', status: 'FAILED', attempts: 1, lastError: 'HTTP 400 INVALID_ARGUMENT' });
    expect(failed!.attemptLog).toEqual([{ at: expect.any(String), provider: 'fcm', outcome: 'rejected', detail: 'HTTP 400 INVALID_ARGUMENT', latencyMs: expect.any(Number) }]);
    await expectError(volunteer.client.request(FailedNotificationsDocument, {}), 'FORBIDDEN');

    fcm.mode = 'ok';
    expect((await admin.client.request(RetryNotificationDocument, { id: failed!.id })).retryNotification).toMatchObject({ status: 'PENDING', attempts: 0 });
    await eventually(async () => fcm.to(token), (m) => m.length === 1);
    await expectError(admin.client.request(RetryNotificationDocument, { id: failed!.id }), 'CONFLICT');
    await expectError(admin.client.request(RetryNotificationDocument, { id: randomUUID() }), 'NOT_FOUND');
  });
});

describe('push for a chat message', () => {
  const hhmm = (date: Date) => date.toISOString().slice(11, 16);

  it('reaches a participant whose app is closed, not one whose app is open; quiet hours and the per-person cap hold it back', async () => {
    const { person, volunteer, conversationId, sosId } = await acceptedSos(server);
    const token = fcmToken();
    await withDevice(person, 'ANDROID', token);
    const send = (body: string) => volunteer.client.request(SendMessageDocument, { conversationId, body, clientMessageId: randomUUID() });
    const chatPushes = () => fcm.to(token).filter((m) => m.data.type === 'CHAT_MESSAGE');
    const skipped = (reason: string) =>
      eventually(
        () => queryRows<{ n: number }>(env.databaseUrl, "SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND category = 'CHAT_MESSAGE' AND status = 'SKIPPED' AND last_error = $2", [person.id, reason]),
        (rows) => rows[0].n === 1,
      );

    const first = (await send('I am 2 minutes away')).sendMessage;
    const [pushed] = await eventually(async () => chatPushes(), (m) => m.length === 1);
    expect(pushed.data).toMatchObject({ conversationId, messageId: first.id, sosId });
    expect(pushed.notification!.body).not.toContain('2 minutes');
    expect(pushed.android).toMatchObject({ priority: 'NORMAL', collapse_key: sosId });

    // The app is open: the message arrives in it, no push.
    const live = person.client.subscribe(MessageAddedDocument, { conversationId, after: first.id });
    await eventually(() => server.modules.presence.isOnline(person.id), Boolean);
    await send('Which floor?');
    await new Promise((r) => setTimeout(r, 500));
    expect(chatPushes()).toHaveLength(1);
    await live.return();
    await person.client.close();
    await eventually(async () => !(await server.modules.presence.isOnline(person.id)), Boolean, 10_000);

    // Quiet hours around now (in UTC): held back.
    const now = Date.now();
    const quiet = { start: hhmm(new Date(now - 3600_000)), end: hhmm(new Date(now + 3600_000)), timeZone: 'UTC' };
    expect((await person.client.request(SetQuietHoursDocument, { input: quiet })).setQuietHours).toEqual(quiet);
    expect((await person.client.request(MyQuietHoursDocument)).myQuietHours).toEqual(quiet);
    await send('Ring the bell?');
    await skipped('quiet hours');
    expect((await person.client.request(SetQuietHoursDocument, { input: null })).setQuietHours).toBeNull();

    // At most 3 an hour here: the first counted already.
    await send('Here now');
    await send('Opening the door');
    await eventually(async () => chatPushes(), (m) => m.length === 3);
    await send('Hello?');
    await skipped('too many notifications for this person this hour');
    expect(chatPushes()).toHaveLength(3);
  });

  it('refuses quiet hours that are not times of day or not a time zone', async () => {
    const person = await signUp(server);
    await expectError(person.client.request(SetQuietHoursDocument, { input: { start: '25:00', end: '07:00', timeZone: 'UTC' } }), 'BAD_USER_INPUT', { field: 'start' });
    await expectError(person.client.request(SetQuietHoursDocument, { input: { start: '22:00', end: '22:00', timeZone: 'UTC' } }), 'BAD_USER_INPUT', { field: 'end' });
    await expectError(person.client.request(SetQuietHoursDocument, { input: { start: '22:00', end: '07:00', timeZone: 'Mars/Olympus' } }), 'BAD_USER_INPUT', { field: 'timeZone' });
  });
});
