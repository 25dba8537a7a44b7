import { randomUUID } from 'node:crypto';
import { AcceptSosDocument, CancelSosDocument, MyAlertsDocument, RaiseSosDocument, SosDocument, UserFlagDocument } from '../../sdk/index';
import type { Point } from '../../src/platform/geo';
import { Role, signInAs, signUp, type Actor } from '../helpers/actors';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, freshCentre, volunteerAt, type VolunteerActor } from '../helpers/volunteers';
import { eventually } from '../helpers/wait';

const env = useTestEnvironment();
let server: TestServer;
// One alert per step makes the ranking visible: who is alerted is who ranked first.
const SETTINGS = {
  SOS_ALERTS_PER_STEP: '1',
  VOLUNTEER_ALERTS_PER_HOUR: '3',
  VOLUNTEER_DISCONNECTIONS_TO_FLAG: '2',
  VOLUNTEER_HEARTBEAT_TIMEOUT_SECONDS: '3',
  LOCATION_INTERVAL_ASSIGNED_SECONDS: '1',
  LOCATION_INTERVAL_IDLE_SECONDS: '2',
  SOS_SWEEP_SECONDS: '1',
  SOS_STEP_TIMEOUT_SECONDS: '60',
  SOS_RADII_METERS: '1000',
  SOS_PER_HOUR: '20',
};

beforeAll(async () => {
  server = await env.start(SETTINGS);
});

const raise = (person: Actor, location: Point) =>
  person.client.request(RaiseSosDocument, { input: { location, category: 'MEDICAL', idempotencyKey: randomUUID() } }).then((r) => r.raiseSos);
const offeredTo = async (volunteer: VolunteerActor) => (await volunteer.client.request(MyAlertsDocument)).myAlerts.map((a) => a.sos.id);
const cancel = (person: Actor, sosId: string) => person.client.request(CancelSosDocument, { sosId });

/** The volunteer accepts and then sends no location: after the heartbeat timeout the SOS is matched again without them. */
async function acceptAndGoSilent(volunteer: VolunteerActor, person: Actor, sosId: string): Promise<void> {
  await volunteer.client.request(AcceptSosDocument, { sosId });
  await eventually(
    () => person.client.request(SosDocument, { id: sosId }).then((r) => r.sos!),
    (sos) => sos.timeline.some((e) => e.type === 'REMATCHING') && sos.status === 'MATCHING',
    10_000,
  );
}

describe('alert fatigue (VOLUNTEER_ALERTS_PER_HOUR)', () => {
  it('alerts a volunteer at most that often per hour; the next SOS goes to someone further away', async () => {
    const centre = freshCentre();
    const near = await volunteerAt(server, at(100, 0, centre));
    const further = await volunteerAt(server, at(600, 90, centre));
    const person = await signUp(server);
    for (let i = 0; i < 3; i++) {
      const sos = await raise(person, centre);
      expect(await offeredTo(near)).toEqual([sos.id]);
      await cancel(person, sos.id);
    }
    expect(await offeredTo(further)).toEqual([]);
    const fourth = await raise(person, centre);
    expect(fourth.alertedCount).toBe(1);
    expect(await offeredTo(near)).toEqual([]);
    expect(await offeredTo(further)).toEqual([fourth.id]);
  });
});

describe('reliability (disconnections)', () => {
  it('ranks a volunteer who went silent twice behind one a little further away, and flags them for review', async () => {
    const centre = freshCentre();
    const flaky = await volunteerAt(server, at(400, 0, centre));
    const steady = await volunteerAt(server, at(550, 180, centre));
    const admin = await signInAs(server, Role.ADMIN);
    const flagOf = async (volunteer: VolunteerActor) => (await admin.client.request(UserFlagDocument, { id: volunteer.id })).user!.volunteer!;

    // Twice: the nearer volunteer is alerted first, accepts and goes silent; the SOS moves on to the other.
    for (let drop = 1; drop <= 2; drop++) {
      const person = await signUp(server);
      const sos = await raise(person, centre);
      expect(await offeredTo(flaky)).toEqual([sos.id]);
      await acceptAndGoSilent(flaky, person, sos.id);
      await eventually(() => offeredTo(steady), (offers) => offers.includes(sos.id));
      expect(await flagOf(flaky)).toMatchObject({ disconnectionCount: drop, flaggedForReview: drop >= 2 });
      await cancel(person, sos.id);
    }
    expect(await flagOf(steady)).toMatchObject({ disconnectionCount: 0, flaggedForReview: false });

    // Both were alerted twice in the last hour, so only reliability tells them apart now.
    const person = await signUp(server);
    const sos = await raise(person, centre);
    expect(await offeredTo(steady)).toEqual([sos.id]);
    expect(await offeredTo(flaky)).toEqual([]);
  });
});
