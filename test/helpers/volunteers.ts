import { BecomeVolunteerDocument, SetAvailabilityDocument, type Skill } from '../../sdk';
import { destination, type Point } from '../../src/platform/geo';
import { signUp, type Actor } from './actors';
import type { TestServer } from './test-environment';

/** The centre of the test city (Berlin Alexanderplatz). */
export const CENTRE: Point = { latitude: 52.5219, longitude: 13.4132 };

let places = 0;
/** A fresh spot 200 km from every other test's, so volunteers of one test never show up in another's search. */
export function freshCentre(): Point {
  places += 1;
  return { latitude: -60 + ((places * 2) % 120), longitude: -170 + Math.floor(places / 60) * 3 + (process.pid % 7) * 40 };
}

export const at = (meters: number, bearingDegrees: number, from: Point = CENTRE): Point => destination(from, meters, bearingDegrees);

export interface VolunteerActor extends Actor {
  volunteerId: string;
}

/** A person who signed up as a volunteer and, unless `available` is false, is available at `point`. */
export async function volunteerAt(server: TestServer, point: Point | null, skills: Skill[] = ['FIRST_AID'], available = true): Promise<VolunteerActor> {
  const actor = await signUp(server, { displayName: 'Test Volunteer' });
  const { becomeVolunteer } = await actor.client.request(BecomeVolunteerDocument, { input: { skills } });
  if (available || point) await actor.client.request(SetAvailabilityDocument, { available, location: point });
  return { ...actor, volunteerId: becomeVolunteer.id };
}
