import { randomUUID } from 'node:crypto';
import { AcceptSosDocument, CancelSosDocument, RaiseSosDocument, SosDocument, SosUpdatesDocument, type RaiseSosInput } from '../../sdk/index';
import { signUp } from '../helpers/actors';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { expectError } from '../helpers/expect-error';
import { at, freshCentre, volunteerAt } from '../helpers/volunteers';

const env = useTestEnvironment();
let server: TestServer;

beforeAll(async () => {
  server = await env.start({ SOS_PER_HOUR: '1000', SOS_STEP_TIMEOUT_SECONDS: '60' });
});

describe('races a retrying app meets', () => {
  it('identical raiseSos sent at once all get the same SOS, never a CONFLICT naming it', async () => {
    const person = await signUp(server);
    for (let round = 0; round < 25; round++) {
      const input: RaiseSosInput = { location: freshCentre(), category: 'MEDICAL', idempotencyKey: `race-${round}-${randomUUID()}` };
      const results = await Promise.allSettled(Array.from({ length: 3 }, () => person.client.request(RaiseSosDocument, { input })));
      const failures = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
      expect(failures).toEqual([]);
      const ids = new Set(results.map((r) => (r as PromiseFulfilledResult<{ raiseSos: { id: string } }>).value.raiseSos.id));
      expect(ids.size).toBe(1);
      await person.client.request(CancelSosDocument, { sosId: [...ids][0] });
    }
  });

  it('sosUpdates delivers the closing event before it completes, even when the SOS closes during the replay', async () => {
    for (let round = 0; round < 40; round++) {
      const person = await signUp(server);
      const { raiseSos } = await person.client.request(RaiseSosDocument, { input: { location: freshCentre(), category: 'OTHER', idempotencyKey: randomUUID() } });
      const updates = person.client.subscribe(SosUpdatesDocument, { sosId: raiseSos.id, afterSeq: 0 });
      const received: string[] = [];
      const collecting = (async () => {
        for await (const { sosUpdates } of updates) received.push(sosUpdates.type);
      })();
      await new Promise((r) => setTimeout(r, round % 5));
      await person.client.request(CancelSosDocument, { sosId: raiseSos.id });
      await collecting;
      expect(received.at(-1)).toBe('CANCELLED');
      await person.client.close();
    }
  });

  it('the winner retrying acceptSos (its answer lost) gets the SOS again, at once or later; the other volunteer gets CONFLICT', async () => {
    const centre = freshCentre();
    const [winner, other] = await Promise.all([volunteerAt(server, at(100, 0, centre)), volunteerAt(server, at(150, 90, centre))]);
    const person = await signUp(server);
    const { raiseSos } = await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } });
    expect(raiseSos.alertedCount).toBe(2);
    const accepts = await Promise.allSettled(Array.from({ length: 3 }, () => winner.client.request(AcceptSosDocument, { sosId: raiseSos.id })));
    expect(accepts.map((a) => a.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const retried = (await winner.client.request(AcceptSosDocument, { sosId: raiseSos.id })).acceptSos;
    expect(retried).toMatchObject({ status: 'ACCEPTED', assignedVolunteer: { id: winner.volunteerId } });
    const { sos } = await person.client.request(SosDocument, { id: raiseSos.id });
    expect(sos!.timeline.filter((e) => e.type === 'ACCEPTED')).toHaveLength(1);
    await expectError(other.client.request(AcceptSosDocument, { sosId: raiseSos.id }), 'CONFLICT');
  });
});
