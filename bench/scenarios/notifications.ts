import { randomUUID } from 'node:crypto';
import {
  BecomeVolunteerDocument,
  RaiseSosDocument,
  RegisterDeviceDocument,
  SetAvailabilityDocument,
  UpdateNotificationPreferencesDocument,
  type CareConnectClient,
  type Session,
} from '../../sdk/index';
import { FcmProvider, type FcmServiceAccount } from '../../src/modules/notifications/providers/fcm';
import { destination } from '../../src/platform/geo';
import { signUp } from '../../test/helpers/actors';
import { queryRows } from '../../test/helpers/databases';
import { FakeFcm, type FcmMessage } from '../../test/helpers/fakes/fake-fcm';
import { FakeTwilio, FakeVonage } from '../../test/helpers/fakes/fake-sms';
import { spawnServer, stopServer, type ServerProcess } from '../../test/helpers/spawn-server';
import { verifyPhoneBySms } from '../../test/helpers/phones';
import { clientFactory } from '../../test/helpers/test-environment';
import { inBatches } from '../lib/batches';
import { CENTRE, sequence } from '../lib/city';
import { benchEnvironment, type BenchEnvironment } from '../lib/environment';
import { ms, percentile } from '../lib/percentiles';
import type { ScenarioReport } from '../lib/report';

const VOLUNTEERS = 200;
const CITY_RADIUS_METERS = 3000;
/** A rate this machine sustains, then the target's 100 SOS a second. */
const PUSH_RATES = [20, 100];
/** What every fake provider takes to answer, as a real one's round trip does. */
const PROVIDER_LATENCY_MS = 20;
const SMS_PHASE = { raisesPerSecond: 20, seconds: 40, failFrom: 5, failFor: 30, smsAfterSeconds: 2 };
const SETUP_CONCURRENCY = 16;
/** How long queued notifications are waited for before what is missing counts as lost. */
const DRAIN_MS = 60_000;

interface Person {
  session: Session;
  phone?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Volunteers as their apps make them: sign up, volunteer, go available somewhere in the city,
 * register an Android device, verify a phone number (reading the code from the SMS) and turn
 * SMS alerts on. Requesters sign up.
 */
async function setUpWorld(url: string, twilio: FakeTwilio, requesters: number): Promise<{ volunteers: Person[]; requesters: Person[] }> {
  const factory = clientFactory(url);
  const next = sequence(5);
  const volunteers = await inBatches(Array.from({ length: VOLUNTEERS }), SETUP_CONCURRENCY, async (_, i) => {
    const actor = await signUp(factory, { displayName: `Bench volunteer ${i}` });
    const location = destination(CENTRE, Math.sqrt(next()) * CITY_RADIUS_METERS, next() * 360);
    const phone = `+4915${String(10_000_000 + i).padStart(9, '0')}`;
    await actor.client.request(BecomeVolunteerDocument, { input: { skills: ['FIRST_AID'] } });
    await actor.client.request(SetAvailabilityDocument, { available: true, location });
    await actor.client.request(RegisterDeviceDocument, { input: { platform: 'ANDROID', pushToken: `bench-${actor.id}`, appVersion: '1.0.0', locale: 'en' } });
    if (!(await verifyPhoneBySms(actor.client, twilio, phone))) throw new Error(`${phone} was not verified`);
    await actor.client.request(UpdateNotificationPreferencesDocument, { input: { preferences: [{ category: 'SOS_ALERT', channel: 'SMS', enabled: true }] } });
    await actor.client.close();
    return { session: actor.session, phone };
  });
  const people = await inBatches(Array.from({ length: requesters }), SETUP_CONCURRENCY, async (_, i) => {
    const actor = await signUp(factory, { displayName: `Bench requester ${i}` });
    await actor.client.close();
    return { session: actor.session };
  });
  return { volunteers, requesters: people };
}

/** Raises one SOS per requester at a steady rate; returns when each was sent and what it answered. */
async function raiseAtRate(url: string, requesters: readonly Person[], perSecond: number, onSecond?: (second: number) => void) {
  const factory = clientFactory(url);
  const next = sequence(17);
  const clients: CareConnectClient[] = [];
  const started = Date.now();
  const raises = requesters.map(async (requester, i) => {
    const due = started + (i * 1000) / perSecond;
    await sleep(Math.max(0, due - Date.now()));
    onSecond?.(Math.floor((Date.now() - started) / 1000));
    const client = factory.client(requester.session);
    clients.push(client);
    const location = destination(CENTRE, Math.sqrt(next()) * (CITY_RADIUS_METERS - 500), next() * 360);
    const sentAt = performance.now();
    const { raiseSos } = await client.request(RaiseSosDocument, { input: { location, category: 'MEDICAL', idempotencyKey: randomUUID() } });
    return { sosId: raiseSos.id, alerted: raiseSos.alertedCount, sentAt, answeredAt: performance.now() };
  });
  const settled = await Promise.allSettled(raises);
  await Promise.all(clients.map((c) => c.close()));
  return settled;
}

async function restart(environment: BenchEnvironment, server: ServerProcess | null, env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  if (server) await stopServer(server);
  return spawnServer(environment.env(env));
}

/** The floor: the same FCM adapter sending straight to the fake from this process, 500 messages a second. */
async function providerFloor(fcm: FakeFcm, count: number): Promise<number[]> {
  const provider = new FcmProvider(JSON.parse(fcm.serviceAccountJson()) as FcmServiceAccount, fcm.url);
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      await sleep(i * 2);
      const sentAt = performance.now();
      await provider.send(`floor-${i}`, { alert: null, data: { type: 'FLOOR' }, urgent: true, collapseKey: null, ttlSeconds: 60 });
      latencies.push(performance.now() - sentAt);
    }),
  );
  return latencies;
}

/**
 * Push: raiseSos to each alert's push accepted by the (fake, 20 ms) FCM, with volunteers whose
 * apps hold no socket, 100 SOS a second. SMS: alerts left unseen are followed by SMS while the
 * primary SMS provider fails for 30 s in the middle; none may be lost, and the backup must take
 * over within seconds.
 */
export async function notificationsScenario(durationSeconds: number): Promise<ScenarioReport> {
  const environment = await benchEnvironment('notifications');
  const fcm = await new FakeFcm().start();
  const twilio = await new FakeTwilio().start();
  const vonage = await new FakeVonage().start();
  let server: ServerProcess | null = null;
  const providerSettings = {
    FCM_SERVICE_ACCOUNT_JSON: fcm.serviceAccountJson(),
    FCM_BASE_URL: fcm.url,
    ...twilio.settings(),
    ...vonage.settings(),
    SOS_PER_HOUR: '100',
    VOLUNTEER_ALERTS_PER_HOUR: '1000',
    VOLUNTEER_STALE_SECONDS: '86400',
    SOS_STEP_TIMEOUT_SECONDS: '600',
    PHONE_CODES_PER_IP_PER_HOUR: '10000',
    DATABASE_POOL_SIZE: '20',
  };
  try {
    const pushRaises = PUSH_RATES.reduce((n, rate) => n + rate * durationSeconds, 0);
    const smsRaises = SMS_PHASE.raisesPerSecond * SMS_PHASE.seconds;
    server = await restart(environment, server, providerSettings);
    const world = await setUpWorld(server.url, twilio, pushRaises + smsRaises + 20);
    fcm.latencyMs = twilio.latencyMs = vonage.latencyMs = PROVIDER_LATENCY_MS;

    // Push. SMS only after 10 minutes here: this phase measures push alone.
    server = await restart(environment, server, { ...providerSettings, NOTIFY_SMS_AFTER_SECONDS: '600' });
    const pushedAt = new Map<string, { at: number; sosId: string; count: number }>();
    fcm.onReceived = (message: FcmMessage) => {
      if (message.data.type !== 'SOS_ALERT') return;
      const seen = pushedAt.get(message.data.alertId);
      if (seen) seen.count += 1;
      else pushedAt.set(message.data.alertId, { at: performance.now(), sosId: message.data.sosId, count: 1 });
    };
    const warmUp = world.requesters.slice(pushRaises + smsRaises);
    await raiseAtRate(server.url, warmUp, 20);
    const floor = await providerFloor(fcm, 1000);
    const floorP99 = percentile(floor, 99);
    const pushRows: string[] = [];
    let offset = 0;
    for (const rate of PUSH_RATES) {
      pushedAt.clear();
      const count = rate * durationSeconds;
      const raised = await raiseAtRate(server.url, world.requesters.slice(offset, offset + count), rate);
      offset += count;
      const ok = raised.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const sentAt = new Map(ok.map((r) => [r.sosId, r.sentAt]));
      const expected = ok.reduce((n, r) => n + r.alerted, 0);
      // Whatever is still queued is late, not lost: wait for it (a minute at most), then count.
      for (const deadline = Date.now() + DRAIN_MS; Date.now() < deadline && [...pushedAt.values()].filter((p) => sentAt.has(p.sosId)).length < expected; ) await sleep(250);
      const pushes = [...pushedAt.values()].filter((p) => sentAt.has(p.sosId));
      const latencies = pushes.map((p) => p.at - sentAt.get(p.sosId)!);
      const answered = ok.map((r) => r.answeredAt - r.sentAt);
      const duplicated = pushes.reduce((n, p) => n + p.count - 1, 0);
      const p99 = percentile(latencies, 99);
      pushRows.push(
        `| ${rate} | ${expected} | ${pushes.length} | ${expected - pushes.length} | ${duplicated} | ${ms(percentile(answered, 50), 1)} / ${ms(percentile(answered, 99), 1)} | ${ms(percentile(latencies, 50), 1)} | ${ms(percentile(latencies, 95), 1)} | ${ms(p99, 1)} | ${ms(percentile(latencies, 100), 1)} | ${(p99 / floorP99).toFixed(1)} | ${raised.length - ok.length} |`,
      );
    }
    fcm.onReceived = null;

    // Nothing of the push phase may still be due: the SMS phase measures SMS alone.
    for (const deadline = Date.now() + DRAIN_MS; Date.now() < deadline; await sleep(500)) {
      const [{ due }] = await queryRows<{ due: number }>(environment.databaseUrl, "SELECT count(*)::int AS due FROM notifications WHERE status = 'PENDING' AND next_attempt_at <= now()");
      if (due === 0) break;
    }

    // SMS with the primary failing for 30 s in the middle.
    server = await restart(environment, server, { ...providerSettings, NOTIFY_SMS_AFTER_SECONDS: String(SMS_PHASE.smsAfterSeconds) });
    const smsBefore = new Map(world.volunteers.map((v) => [v.phone!, twilio.to(v.phone!).length + vonage.to(v.phone!).length]));
    let failingSince = 0;
    const smsRaised = await raiseAtRate(server.url, world.requesters.slice(pushRaises, pushRaises + smsRaises), SMS_PHASE.raisesPerSecond, (second) => {
      if (second === SMS_PHASE.failFrom && !twilio.failing && !failingSince) {
        twilio.failing = true;
        failingSince = Date.now();
      } else if (second === SMS_PHASE.failFrom + SMS_PHASE.failFor && twilio.failing) {
        twilio.failing = false;
      }
    });
    twilio.failing = false;
    await sleep((SMS_PHASE.smsAfterSeconds + 8) * 1000);
    const smsSos = smsRaised.flatMap((r) => (r.status === 'fulfilled' ? [r.value.sosId] : []));
    const rows = await queryRows<{ status: string; n: number }>(
      environment.databaseUrl,
      `SELECT n.status::text, count(*)::int AS n FROM notifications n WHERE n.channel = 'SMS' AND n.category = 'SOS_ALERT' AND n.payload->>'sosId' = ANY($1) GROUP BY 1`,
      [smsSos],
    );
    const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    const smsExpected = rows.reduce((n, r) => n + r.n, 0);
    const delivered = world.volunteers.reduce((n, v) => n + twilio.to(v.phone!).length + vonage.to(v.phone!).length - smsBefore.get(v.phone!)!, 0);
    const lag = await queryRows<{ provider: string; lag: number }>(
      environment.databaseUrl,
      `SELECT a.provider, extract(epoch FROM n.sent_at - n.created_at)::float8 - $2 AS lag
         FROM notifications n JOIN notification_attempts a ON a.notification_id = n.id AND a.outcome = 'accepted'
        WHERE n.channel = 'SMS' AND n.status = 'SENT' AND n.payload->>'sosId' = ANY($1)`,
      [smsSos, SMS_PHASE.smsAfterSeconds],
    );
    const viaBackup = lag.filter((l) => l.provider === 'vonage').map((l) => l.lag * 1000);
    const firstBackup = await queryRows<{ after: number | null }>(
      environment.databaseUrl,
      `SELECT extract(epoch FROM min(a.at) - to_timestamp($1 / 1000.0))::float8 AS after FROM notification_attempts a WHERE a.provider = 'vonage' AND a.outcome = 'accepted'`,
      [failingSince],
    );

    return {
      name: 'notifications',
      title: 'Notifications: raiseSos to push accepted by the provider; SMS through a failing primary',
      body: `
${VOLUNTEERS} volunteers set up through the API as apps do (sign up, volunteer, available within ${CITY_RADIUS_METERS / 1000} km, an Android device, a verified phone, SMS alerts on), none holding a socket; requesters signed up through the API; the API restarted after set-up and between phases. Every fake provider (FCM with its OAuth endpoint, a Twilio-compatible primary and a Vonage backup) answers in ${PROVIDER_LATENCY_MS} ms.

**Push.** SOS raised over HTTP for ${durationSeconds} s at each rate (each alerting up to 5 volunteers); latency from sending \`raiseSos\` to FCM accepting that alert's push. Reference: the same FCM adapter sending straight to the fake from the load process, 500 messages a second (floor p99 ${ms(floorP99, 1)} ms). Target: p99 ≤ 250 ms at 100 SOS/s, 0 lost, 0 duplicated.

| SOS/s | alerts | pushes accepted | lost (not sent within a minute) | duplicated | raiseSos answered p50 / p99 ms | push p50 ms | p95 ms | p99 ms | max ms | p99 / floor | raise errors |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${pushRows.join('\n')}

**SMS failover.** ${smsRaises} SOS at ${SMS_PHASE.raisesPerSecond} per second for ${SMS_PHASE.seconds} s; no volunteer opens an alert, so each is followed by an SMS ${SMS_PHASE.smsAfterSeconds} s later. The primary answers 503 to everything from second ${SMS_PHASE.failFrom} for ${SMS_PHASE.failFor} s. Lag: from when an SMS was due to a provider accepting it. Target: 0 lost, failover within 5 s.

| SMS due | sent | delivered to phones | lost | via backup | backup lag p99 ms | backup lag max ms | first backup SMS after the failure began |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| ${smsExpected} | ${byStatus.SENT ?? 0} | ${delivered} | ${smsExpected - (byStatus.SENT ?? 0)} | ${viaBackup.length} | ${ms(percentile(viaBackup, 99), 0)} | ${ms(percentile(viaBackup, 100), 0)} | ${firstBackup[0]?.after == null ? 'none' : `${firstBackup[0].after.toFixed(1)} s`} |
`,
    };
  } finally {
    if (server) await stopServer(server);
    await Promise.all([fcm.close(), twilio.close(), vonage.close()]);
    await environment.close();
  }
}
