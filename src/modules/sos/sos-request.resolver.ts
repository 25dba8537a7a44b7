import { Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { Role, type Context } from '../../platform/auth';
import type { Point } from '../../platform/geo';
import { City, type CitiesService, type CityRow } from '../cities';
import { User, type UserRow, type UsersService } from '../users';
import { GeoPoint, VolunteerProfile, type VolunteerRow, type VolunteersService } from '../volunteers';
import { SosService } from './sos.service';
import type { AlertRow } from './sos-alerts.repository';
import type { PublishedAlert } from './sos.topics';
import type { SosEventRow, SosNoteRow, SosRow } from './sos.repository';
import { SosAlert } from './types/sos-alert.type';
import { SosEvent } from './types/sos-event.type';
import { RoutePoint } from './types/route-point.type';
import { SosNote } from './types/sos-note.type';
import { SosRequest } from './types/sos-request.type';

/** The parts of an SOS that depend on who is asking. */
@Resolver(() => SosRequest)
export class SosRequestResolver {
  constructor(
    private readonly service: SosService,
    private readonly users: UsersService,
    private readonly volunteers: VolunteersService,
    private readonly cities: CitiesService,
  ) {}

  @FieldResolver(() => User, {
    nullable: true,
    description: 'Null unless the viewer is the requester, the assigned volunteer, a professional or an admin:\nan alerted volunteer sees the emergency, not who raised it.',
  })
  async requester(@Root() sos: SosRow, @Ctx() ctx: Context): Promise<UserRow | null> {
    // Accounts are in PostgreSQL: a queued SOS names nobody until it is written there.
    if (sos.queued) return null;
    return (await this.service.showsRequester(ctx, sos)) ? this.users.byId(ctx, sos.requesterId) : null;
  }

  @FieldResolver(() => Boolean, {
    description:
      'True while PostgreSQL is unreachable and the SOS is held in the outage queue: the nearest volunteers are alerted and may accept,\n' +
      'and it is written to the database, with this id, as soon as it answers again. While queued, requester, assignedVolunteer,\n' +
      'conversation and flaggedForReview are null and the timeline is empty.',
  })
  queued(@Root() sos: SosRow): boolean {
    return Boolean(sos.queued);
  }

  @FieldResolver(() => GeoPoint, { description: 'Exact for the requester, the assigned volunteer and staff; rounded to about 100 m for an alerted volunteer.' })
  location(@Root() sos: SosRow, @Ctx() ctx: Context): Promise<Point> {
    return this.service.visibleLocation(ctx, sos);
  }

  @FieldResolver(() => [RoutePoint], {
    nullable: true,
    description:
      "The requester and staff only (null for others): the assigned volunteer's way here, kept while help was on the way (a fix per SOS_ROUTE_INTERVAL_SECONDS, or after SOS_ROUTE_METERS), for replaying the approach.",
  })
  async route(@Root() sos: SosRow, @Ctx() ctx: Context) {
    const points = await this.service.route(ctx, sos);
    return points?.map(({ latitude, longitude, ...point }) => ({ ...point, location: { latitude, longitude } })) ?? null;
  }

  @FieldResolver(() => [SosNote], { nullable: true, description: 'Staff only (null for others): notes staff wrote on it (addSosNote), oldest first.' })
  notes(@Root() sos: SosRow, @Ctx() ctx: Context): Promise<SosNoteRow[] | null> {
    return this.service.notes(ctx, sos);
  }

  @FieldResolver(() => City, { nullable: true, description: 'The city it was raised in; null outside every active city.' })
  city(@Root() sos: SosRow): Promise<CityRow | null> {
    return sos.cityId ? this.cities.cityOf(sos.cityId) : Promise.resolve(null);
  }

  @FieldResolver(() => String, { description: "The emergency number to show with it: its city's, else EMERGENCY_NUMBER." })
  async emergencyNumber(@Root() sos: SosRow): Promise<string> {
    return (await this.cities.rulesFor(sos.cityId)).emergencyNumber;
  }

  @FieldResolver(() => VolunteerProfile, { nullable: true })
  async assignedVolunteer(@Root() sos: SosRow, @Ctx() ctx: Context): Promise<VolunteerRow | null> {
    if (!sos.assignedVolunteerId || sos.queued) return null;
    const [row] = await this.volunteers.byIds(ctx, [sos.assignedVolunteerId]);
    return row ?? null;
  }

  @FieldResolver(() => Boolean, {
    nullable: true,
    description: 'Professionals and admins only (null for others): raised far from where its IP address is, or otherwise suspicious.',
  })
  async flaggedForReview(@Root() sos: SosRow, @Ctx() ctx: Context): Promise<boolean | null> {
    return (await this.service.relation(ctx, sos)) === 'staff' ? sos.flaggedForReview : null;
  }

  @FieldResolver(() => Int)
  alertedCount(@Root() sos: SosRow, @Ctx() ctx: Context): Promise<number> {
    return this.service.alertedCount(ctx, sos);
  }

  @FieldResolver(() => [SosAlert], {
    nullable: true,
    description: 'Professionals and admins only (null for others): every offer made, with its status and when the volunteer\'s app showed it (seenAt).',
  })
  alerts(@Root() sos: SosRow, @Ctx() ctx: Context): Promise<AlertRow[] | null> {
    return this.service.alertsFor(ctx, sos);
  }

  @FieldResolver(() => [SosEvent])
  timeline(@Root() sos: SosRow, @Ctx() ctx: Context): Promise<SosEventRow[]> {
    return this.service.timeline(ctx, sos);
  }
}

@Resolver(() => SosAlert)
export class SosAlertResolver {
  constructor(
    private readonly service: SosService,
    private readonly volunteers: VolunteersService,
  ) {}

  @FieldResolver(() => VolunteerProfile, { nullable: true, description: 'Professionals and admins only (null for others): who was offered it.' })
  async volunteer(@Root() alert: PublishedAlert, @Ctx() ctx: Context): Promise<VolunteerRow | null> {
    const role = (await ctx.viewer())?.role;
    if (role !== Role.PROFESSIONAL && role !== Role.ADMIN) return null;
    const [row] = await this.volunteers.byIds(ctx, [alert.volunteerId]);
    return row ?? null;
  }

  @FieldResolver(() => SosRequest)
  async sos(@Root() alert: PublishedAlert, @Ctx() ctx: Context): Promise<SosRow> {
    return alert.sos ?? (await this.service.byId(ctx, alert.sosId))!;
  }
}

@Resolver(() => SosEvent)
export class SosEventResolver {
  constructor(private readonly service: SosService) {}

  @FieldResolver(() => SosRequest)
  async sos(@Root() event: SosEventRow, @Ctx() ctx: Context): Promise<SosRow> {
    return (await this.service.byId(ctx, event.sosId))!;
  }
}
