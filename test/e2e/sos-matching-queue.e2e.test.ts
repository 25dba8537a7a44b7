import { randomUUID } from 'node:crypto';
import { RaiseSosDocument, SosDocument } from '../../sdk/index';
import { signUp } from '../helpers/actors';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, freshCentre, volunteerAt } from '../helpers/volunteers';
import { eventually } from '../helpers/wait';

const env = useTestEnvironment();
let server: TestServer;

beforeAll(async () => {
  // One matching step at a time and one SOS waiting on the instance: a burst of a dozen overflows both.
  server = await env.start({ SOS_MATCHING_CONCURRENCY: '1', SOS_MATCHING_QUEUE_LENGTH: '1', SOS_ALERTS_PER_STEP: '1', VOLUNTEER_ALERTS_PER_HOUR: '100' });
});

const metric = async (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(new URL('/metrics', server.url))).text())?.[1]);

describe('SOS past what one instance matches at once', () => {
  it('answers the raises it cannot match yet at once (PENDING, nobody alerted), then matches every one of them', async () => {
    const centre = freshCentre();
    await Promise.all([0, 120, 240].map((bearing) => volunteerAt(server, at(150, bearing, centre))));
    const people = await Promise.all(Array.from({ length: 12 }, () => signUp(server)));
    const raised = await Promise.all(
      people.map((person) => person.client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } }).then((r) => r.raiseSos)),
    );

    const waited = raised.filter((sos) => sos.status === 'PENDING');
    expect(waited.length).toBeGreaterThan(0);
    for (const sos of waited) expect(sos).toMatchObject({ alertedCount: 0, timeline: [{ type: 'CREATED' }] });
    // Past the one waiting here, the shared queue took them (any instance with a free step may).
    expect(await metric('sos_matching_shared_total')).toBeGreaterThan(0);

    const now = await eventually(
      () => Promise.all(people.map((person, i) => person.client.request(SosDocument, { id: raised[i].id }).then((r) => r.sos!))),
      (all) => all.every((sos) => sos.status === 'MATCHING'),
      10_000,
    );
    for (const sos of now) expect(sos).toMatchObject({ alertedCount: 1, timeline: [{ type: 'CREATED' }, { type: 'MATCHING_STARTED' }] });
    expect(await metric('sos_matching_waiting')).toBe(0);
  });
});
