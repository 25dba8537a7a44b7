import { Role, type Context } from '../../platform/auth';
import type { Point } from '../../platform/geo';
import type { VolunteersService } from '../volunteers';
import type { SosRow } from './sos.repository';

/** Who a viewer is to an SOS; decides what they may see and do. */
export type Relation = 'requester' | 'assigned' | 'alerted' | 'staff' | 'none';

/** Those who follow an SOS's timeline (sosUpdates) and see who raised it. */
export const WATCHERS: readonly Relation[] = ['requester', 'assigned', 'staff'];

/** What the relation rests on, each looked up only when the ones before did not settle it. */
export interface ViewerFacts {
  userId: string | null;
  volunteerId(): Promise<string | null>;
  role(): Promise<Role | null>;
  /** For staff: the cities they are scoped to; null: global. */
  staffCities(): Promise<readonly string[] | null>;
  /** Whether this volunteer was ever alerted for the SOS (asked last: it costs a query). */
  wasAlerted(volunteerId: string): Promise<boolean>;
}

/**
 * The requester first, then the assigned volunteer, staff, an alerted volunteer; anyone else has
 * no part in it. Staff scoped to cities are staff of their cities' SOS only (an SOS outside every
 * city is global staff's): to the others they are strangers.
 */
export async function relationOf(sos: Pick<SosRow, 'requesterId' | 'assignedVolunteerId' | 'cityId'>, viewer: ViewerFacts): Promise<Relation> {
  if (!viewer.userId) return 'none';
  if (sos.requesterId === viewer.userId) return 'requester';
  const volunteerId = await viewer.volunteerId();
  if (volunteerId && sos.assignedVolunteerId === volunteerId) return 'assigned';
  const role = await viewer.role();
  if (role === Role.PROFESSIONAL || role === Role.ADMIN) {
    const cities = await viewer.staffCities();
    if (!cities || (sos.cityId !== null && cities.includes(sos.cityId))) return 'staff';
  }
  if (volunteerId && (await viewer.wasAlerted(volunteerId))) return 'alerted';
  return 'none';
}

/**
 * The requester, the assigned volunteer and staff see where exactly; an alerted volunteer
 * roughly (about 100 m) until they accept, and so does anyone else an SOS reaches.
 */
export function locationFor(relation: Relation, sos: Point): Point {
  if (relation === 'requester' || relation === 'assigned' || relation === 'staff') return { latitude: sos.latitude, longitude: sos.longitude };
  return { latitude: Math.round(sos.latitude * 1000) / 1000, longitude: Math.round(sos.longitude * 1000) / 1000 };
}

/** An alerted volunteer sees the emergency, not who raised it. */
export function seesRequester(relation: Relation): boolean {
  return WATCHERS.includes(relation);
}

/** The viewer's relation to an SOS, from their request context. */
export class SosAccess {
  constructor(
    private readonly volunteers: VolunteersService,
    private readonly wasAlerted: (ctx: Context, sosId: string, volunteerId: string) => Promise<boolean>,
  ) {}

  relation(ctx: Context, sos: SosRow): Promise<Relation> {
    // A queued SOS (PostgreSQL unreachable): what the outage journal and the live index know.
    // Staff are not told apart (their role is in PostgreSQL): they see it once it is written.
    if (sos.queued) {
      const { alertedVolunteerIds } = sos.queued;
      return relationOf(sos, {
        userId: ctx.tokenUserId,
        volunteerId: () => this.volunteers.volunteerIdFromIndex(ctx.tokenUserId!),
        role: async () => null,
        staffCities: async () => null,
        wasAlerted: async (volunteerId) => alertedVolunteerIds.includes(volunteerId),
      });
    }
    return relationOf(sos, {
      userId: ctx.tokenUserId,
      volunteerId: async () => (await this.volunteers.byUserId(ctx, ctx.tokenUserId!))?.id ?? null,
      role: async () => (await ctx.viewer())?.role ?? null,
      staffCities: async () => (await ctx.viewer())?.cityIds ?? null,
      wasAlerted: (volunteerId) => this.wasAlerted(ctx, sos.id, volunteerId),
    });
  }
}
