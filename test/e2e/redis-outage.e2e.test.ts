import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import {
  AcceptSosDocument,
  MyAlertsDocument,
  RaiseSosDocument,
  SosAlertsDocument,
  SosDocument,
  SosEscalationsDocument,
  SosUpdatesDocument,
  UpdateLocationDocument,
  VolunteerLocationDocument,
} from '../../sdk/index';
import { Role, signInAs, signUp } from '../helpers/actors';
import { RedisProcess } from '../helpers/redis-process';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, freshCentre, volunteerAt } from '../helpers/volunteers';
import { eventually, nextOf } from '../helpers/wait';

// This file runs its own Redis, which it kills and starts again empty.
const env = useTestEnvironment();
const redis = new RedisProcess();
let server: TestServer;

beforeAll(async () => {
  await redis.start();
  server = await env.start({ REDIS_URL: redis.url, SOS_SWEEP_SECONDS: '1', SOS_STEP_TIMEOUT_SECONDS: '60', SOS_PER_HOUR: '50' });
});

afterAll(async () => {
  await server.stop(); // before its Redis goes: a clean shutdown needs it
  await redis.kill();
});

/** Waits until Redis reports `count` subscribers of the channel (the feeds subscribe lazily). */
async function subscribed(channel: string, count = 1): Promise<void> {
  const probe = new Redis(redis.url);
  try {
    await eventually(async () => Number(((await probe.pubsub('NUMSUB', `${server.config.REDIS_KEY_PREFIX}${channel}`)) as [string, number])[1]), (n) => n >= count);
  } finally {
    probe.disconnect();
  }
}

describe('events written while Redis is down reach the clients that stay connected', () => {
  afterEach(async () => {
    await redis.start(); // every test begins with Redis up
  });

  it('an alert matched through PostGIS during the outage arrives on the open sosAlerts subscription, and so do the SOS events', async () => {
    const centre = freshCentre();
    const volunteer = await volunteerAt(server, at(200, 0, centre));
    const alerts = volunteer.client.subscribe(SosAlertsDocument, {});
    await subscribed(`alerts:${volunteer.volunteerId}`);

    await redis.kill();
    const person = await signUp(server);
    const { raiseSos: sos } = await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } });
    // Written (the search fell back to PostGIS) though nothing could be published.
    expect((await volunteer.client.request(MyAlertsDocument)).myAlerts.map((a) => a.sos.id)).toEqual([sos.id]);
    expect((await nextOf(alerts, 'alert written during the outage', 8000)).sosAlerts).toMatchObject({ status: 'OFFERED', sos: { id: sos.id } });

    const updates = person.client.subscribe(SosUpdatesDocument, { sosId: sos.id, afterSeq: 2 });
    await volunteer.client.request(AcceptSosDocument, { sosId: sos.id });
    await redis.start();
    const started = Date.now();
    expect((await nextOf(updates, 'ACCEPTED after the outage', 8000)).sosUpdates).toMatchObject({ type: 'ACCEPTED' });
    expect(Date.now() - started).toBeLessThan(5000);
    await Promise.all([alerts.return(), updates.return()]);
    await Promise.all([volunteer.client.close(), person.client.close()]);
  });

  it('a Redis restarted empty learns the assignment back: the volunteer keeps the short interval and the requester the map', async () => {
    const centre = freshCentre();
    const volunteer = await volunteerAt(server, at(150, 0, centre));
    const person = await signUp(server);
    const { raiseSos: sos } = await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } });
    await volunteer.client.request(AcceptSosDocument, { sosId: sos.id });
    const assigned = server.config.LOCATION_INTERVAL_ASSIGNED_SECONDS;
    expect((await volunteer.client.request(UpdateLocationDocument, { location: at(140, 0, centre) })).updateLocation.nextUpdateInSeconds).toBe(assigned);

    await redis.kill();
    await redis.start();
    // The first fix after the restart primes the volunteer from PostgreSQL, assignment included.
    const after = await eventually(
      () => volunteer.client.request(UpdateLocationDocument, { location: at(130, 0, centre) }),
      (r) => r.updateLocation.nextUpdateInSeconds === assigned,
      8000,
    );
    expect(after.updateLocation.nextUpdateInSeconds).toBe(assigned);
    const locations = person.client.subscribe(VolunteerLocationDocument, { sosId: sos.id });
    await subscribed(`location:${sos.id}`);
    // A fix is not stored for replay (the next one replaces it), and the publishing connection may
    // still be reconnecting: the app keeps sending, as it does every few seconds.
    const next = nextOf(locations, 'location after the restart', 10_000);
    const sending = setInterval(() => void volunteer.client.request(UpdateLocationDocument, { location: at(100, 0, centre) }).catch(() => undefined), 500);
    try {
      expect((await next).volunteerLocation).toMatchObject({ sosId: sos.id, volunteerId: volunteer.volunteerId });
    } finally {
      clearInterval(sending);
    }
    expect((await person.client.request(SosDocument, { id: sos.id })).sos!.status).toBe('ACCEPTED');
    await locations.return();
    await person.client.close();
  });

  it('an SOS that escalates while Redis is down reaches staff following escalations', async () => {
    // An instance of its own whose matching escalates within seconds (one 100 m step of one second).
    const fast = await env.start({ REDIS_URL: redis.url, SOS_SWEEP_SECONDS: '1', SOS_STEP_TIMEOUT_SECONDS: '1', SOS_RADII_METERS: '100', SOS_PER_HOUR: '50' });
    const professional = await signInAs(fast, Role.PROFESSIONAL);
    const escalations = professional.client.subscribe(SosEscalationsDocument, {});
    await subscribed('sos:escalations');

    await redis.kill();
    const person = await signUp(fast);
    const { raiseSos: sos } = await person.client.request(RaiseSosDocument, { input: { location: freshCentre(), category: 'FIRE', idempotencyKey: randomUUID() } });
    // Nobody within 100 m: escalated through the PostgreSQL sweeper, told by the catch-up every few seconds.
    const escalated = (await nextOf(escalations, 'escalation during the outage', 10_000)).sosEscalations;
    expect(escalated).toMatchObject({ type: 'ESCALATED', sos: { id: sos.id, status: 'ESCALATED' } });
    await escalations.return();
    await Promise.all([professional.client.close(), person.client.close()]);
    await redis.start(); // a clean shutdown needs it
    await fast.stop();
  });
});
