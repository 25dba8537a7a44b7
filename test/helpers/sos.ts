import { randomUUID } from 'node:crypto';
import { AcceptSosDocument, RaiseSosDocument } from '../../sdk/index';
import { signUp, type Actor } from './actors';
import type { TestServer } from './test-environment';
import { at, freshCentre, volunteerAt, type VolunteerActor } from './volunteers';

/** An SOS a volunteer nearby accepted, at a fresh spot: its timeline is CREATED, MATCHING_STARTED, ACCEPTED (seq 1 to 3). */
export async function acceptedSos(server: TestServer): Promise<{ person: Actor; volunteer: VolunteerActor; sosId: string }> {
  const centre = freshCentre();
  const volunteer = await volunteerAt(server, at(100, 0, centre));
  const person = await signUp(server);
  const { raiseSos } = await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } });
  await volunteer.client.request(AcceptSosDocument, { sosId: raiseSos.id });
  return { person, volunteer, sosId: raiseSos.id };
}
