import { randomUUID } from 'node:crypto';
import { AcceptSosDocument, RaiseSosDocument, SosConversationDocument } from '../../sdk/index';
import type { Point } from '../../src/platform/geo';
import { signUp, type Actor } from './actors';
import type { TestServer } from './test-environment';
import { at, freshCentre, volunteerAt, type VolunteerActor } from './volunteers';

export interface AcceptedSos {
  person: Actor;
  volunteer: VolunteerActor;
  sosId: string;
  conversationId: string;
  centre: Point;
}

/** An SOS raised by a person (on `requesterServer`) and accepted by a volunteer 150 m away (on `volunteerServer`): they share its conversation. */
export async function acceptedSos(requesterServer: TestServer, volunteerServer: TestServer = requesterServer): Promise<AcceptedSos> {
  const centre = freshCentre();
  const volunteer = await volunteerAt(volunteerServer, at(150, 0, centre));
  const person = await signUp(requesterServer);
  const { raiseSos } = await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } });
  await volunteer.client.request(AcceptSosDocument, { sosId: raiseSos.id });
  const { sos } = await person.client.request(SosConversationDocument, { id: raiseSos.id });
  return { person, volunteer, sosId: raiseSos.id, conversationId: sos!.conversation!.id, centre };
}
