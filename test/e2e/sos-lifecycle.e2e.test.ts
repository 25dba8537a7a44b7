import { randomUUID } from 'node:crypto';
import {
  AcceptSosDocument,
  CancelSosDocument,
  MarkArrivedDocument,
  RaiseSosDocument,
  RateResponseDocument,
  ReportFakeSosDocument,
  ResolveSosDocument,
  UserFlagDocument,
} from '../../sdk/index';
import type { Point } from '../../src/platform/geo';
import { Role, signInAs, signUp, type Actor } from '../helpers/actors';
import { expectError } from '../helpers/expect-error';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, freshCentre, volunteerAt } from '../helpers/volunteers';

const env = useTestEnvironment();
let server: TestServer;
let admin: Actor;

beforeAll(async () => {
  server = await env.start({ SOS_STEP_TIMEOUT_SECONDS: '30', SOS_PER_HOUR: '50' });
  admin = await signInAs(server, Role.ADMIN);
});

const raise = (actor: Actor, location: Point) =>
  actor.client.request(RaiseSosDocument, { input: { location, category: 'ACCIDENT', idempotencyKey: randomUUID() } }).then((r) => r.raiseSos);

/** An SOS accepted by a volunteer 200 m away. */
async function accepted() {
  const centre = freshCentre();
  const volunteer = await volunteerAt(server, at(200, 0, centre));
  const person = await signUp(server);
  const sos = await raise(person, centre);
  await volunteer.client.request(AcceptSosDocument, { sosId: sos.id });
  return { volunteer, person, sos };
}

describe('the lifecycle', () => {
  it('runs from acceptance to arrival, resolution and rating, each step an event with the next seq', async () => {
    const { volunteer, person, sos } = await accepted();
    await expectError(person.client.request(MarkArrivedDocument, { sosId: sos.id }), 'FORBIDDEN');
    expect((await volunteer.client.request(MarkArrivedDocument, { sosId: sos.id })).markArrived).toMatchObject({ status: 'ARRIVED' });
    await expectError(volunteer.client.request(MarkArrivedDocument, { sosId: sos.id }), 'CONFLICT', { status: 'ARRIVED' });
    await expectError(person.client.request(RateResponseDocument, { sosId: sos.id, rating: 5 }), 'CONFLICT', { status: 'ARRIVED' });

    const { resolveSos } = await volunteer.client.request(ResolveSosDocument, { sosId: sos.id, note: 'Bandaged, walked home' });
    expect(resolveSos).toMatchObject({ status: 'RESOLVED' });
    expect(resolveSos.closedAt).not.toBeNull();
    expect(resolveSos.timeline.map((e) => `${e.seq}:${e.type}`)).toEqual(['1:CREATED', '2:MATCHING_STARTED', '3:ACCEPTED', '4:ARRIVED', '5:RESOLVED']);
    expect(resolveSos.timeline.at(-1)!.message).toBe('Bandaged, walked home');
    await expectError(person.client.request(ResolveSosDocument, { sosId: sos.id }), 'CONFLICT', { status: 'RESOLVED' });
    await expectError(person.client.request(CancelSosDocument, { sosId: sos.id }), 'CONFLICT', { status: 'RESOLVED' });

    await expectError(volunteer.client.request(RateResponseDocument, { sosId: sos.id, rating: 5 }), 'FORBIDDEN');
    await expectError(person.client.request(RateResponseDocument, { sosId: sos.id, rating: 6 }), 'BAD_USER_INPUT', { field: 'rating' });
    await expectError(person.client.request(RateResponseDocument, { sosId: sos.id, rating: 0 }), 'BAD_USER_INPUT', { field: 'rating' });
    expect((await person.client.request(RateResponseDocument, { sosId: sos.id, rating: 4, comment: 'Quick and kind' })).rateResponse).toBe(true);
    await expectError(person.client.request(RateResponseDocument, { sosId: sos.id, rating: 5 }), 'CONFLICT');

    const { user } = await admin.client.request(UserFlagDocument, { id: volunteer.id });
    expect(user!.volunteer).toMatchObject({ completedCount: 1, rating: 4 });
  });

  it('the requester may resolve too; strangers learn nothing', async () => {
    const { person, sos } = await accepted();
    const stranger = await signUp(server);
    await expectError(stranger.client.request(ResolveSosDocument, { sosId: sos.id }), 'NOT_FOUND');
    await expectError(stranger.client.request(MarkArrivedDocument, { sosId: sos.id }), 'FORBIDDEN');
    expect((await person.client.request(ResolveSosDocument, { sosId: sos.id })).resolveSos.status).toBe('RESOLVED');
  });

  it('an SOS still matching cannot be resolved, only cancelled', async () => {
    const person = await signUp(server);
    const sos = await raise(person, freshCentre());
    await expectError(person.client.request(ResolveSosDocument, { sosId: sos.id }), 'CONFLICT', { status: 'MATCHING' });
  });

  it('free text is bounded', async () => {
    const { volunteer, sos } = await accepted();
    await expectError(volunteer.client.request(ResolveSosDocument, { sosId: sos.id, note: 'n'.repeat(1001) }), 'BAD_USER_INPUT', { field: 'note' });
  });
});

describe('abuse signals', () => {
  it('three different volunteers reporting a person\'s SOS as fake flag the person', async () => {
    const centre = freshCentre();
    const reporters = await Promise.all([1, 2, 3].map((i) => volunteerAt(server, at(100 * i, 0, centre))));
    const person = await signUp(server);
    const sos = await raise(person, centre);
    const flag = async () => (await admin.client.request(UserFlagDocument, { id: person.id })).user!.flaggedForReview;

    const stranger = await volunteerAt(server, at(100, 0, freshCentre()));
    await expectError(stranger.client.request(ReportFakeSosDocument, { sosId: sos.id }), 'NOT_FOUND');
    await expectError(person.client.request(ReportFakeSosDocument, { sosId: sos.id }), 'FORBIDDEN');

    await reporters[0].client.request(ReportFakeSosDocument, { sosId: sos.id, reason: 'Nobody there' });
    await reporters[0].client.request(ReportFakeSosDocument, { sosId: sos.id, reason: 'Still nobody' });
    await reporters[1].client.request(ReportFakeSosDocument, { sosId: sos.id });
    expect(await flag()).toBe(false);
    await reporters[2].client.request(ReportFakeSosDocument, { sosId: sos.id });
    expect(await flag()).toBe(true);
    // The flag is for staff only.
    const professional = await signInAs(server, Role.PROFESSIONAL);
    expect((await professional.client.request(UserFlagDocument, { id: person.id })).user!.flaggedForReview).toBe(true);
    await expectError(person.client.request(UserFlagDocument, { id: person.id }), 'FORBIDDEN');
  });

  it('cancelling more than half of four or more SOS flags the person', async () => {
    const person = await signUp(server);
    const flag = async () => (await admin.client.request(UserFlagDocument, { id: person.id })).user!.flaggedForReview;
    for (let i = 0; i < 3; i++) {
      const sos = await raise(person, freshCentre());
      await person.client.request(CancelSosDocument, { sosId: sos.id });
      expect(await flag()).toBe(false);
    }
    const fourth = await raise(person, freshCentre());
    await person.client.request(CancelSosDocument, { sosId: fourth.id });
    expect(await flag()).toBe(true);
  });
});
