import { Ctx, FieldResolver, Float, Int, Resolver, Root } from 'type-graphql';
import type { Context } from '../../platform/auth';
import type { Point } from '../../platform/geo';
import { User, type UserRow, type UsersService } from '../users';
import { GeoPoint } from './types/geo-point.type';
import { VolunteerProfile } from './types/volunteer-profile.type';
import type { VolunteerRow } from './volunteers.repository';
import { VolunteersService } from './volunteers.service';

/** The live and private parts of a volunteer profile. */
@Resolver(() => VolunteerProfile)
export class VolunteerProfileResolver {
  constructor(
    private readonly volunteers: VolunteersService,
    private readonly users: UsersService,
  ) {}

  @FieldResolver(() => User)
  async user(@Root() row: VolunteerRow, @Ctx() ctx: Context): Promise<UserRow> {
    return (await this.users.byId(ctx, row.userId))!;
  }

  @FieldResolver(() => Boolean, { description: 'Switched on and heard from within VOLUNTEER_STALE_SECONDS.' })
  available(@Root() row: VolunteerRow, @Ctx() ctx: Context): Promise<boolean> {
    return this.volunteers.isAvailable(ctx, row);
  }

  @FieldResolver(() => GeoPoint, {
    nullable: true,
    description: 'Visible to the volunteer, admins, and the requester of an SOS the volunteer is assigned to.',
  })
  lastLocation(@Root() row: VolunteerRow, @Ctx() ctx: Context): Promise<Point | null> {
    return this.volunteers.visibleLocation(ctx, row);
  }

  @FieldResolver(() => Date, { nullable: true })
  lastSeenAt(@Root() row: VolunteerRow, @Ctx() ctx: Context): Promise<Date | null> {
    return this.volunteers.lastSeenAt(ctx, row);
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description: 'Times dropped from an SOS for going silent (lowers their rank in matching). The volunteer, professionals and admins only.',
  })
  disconnectionCount(@Root() row: VolunteerRow, @Ctx() ctx: Context): Promise<number | null> {
    return this.volunteers.visibleReliability(ctx, row);
  }

  @FieldResolver(() => Boolean, {
    nullable: true,
    description: 'Professionals and admins only (null for others): flagged for review after VOLUNTEER_DISCONNECTIONS_TO_FLAG drops in 30 days.',
  })
  flaggedForReview(@Root() row: VolunteerRow, @Ctx() ctx: Context): Promise<boolean | null> {
    return this.volunteers.visibleFlag(ctx, row);
  }

  @FieldResolver(() => Date, { nullable: true, description: 'When an admin turned the volunteer down (rejectVolunteer); the volunteer, professionals and admins only.' })
  rejectedAt(@Root() row: VolunteerRow, @Ctx() ctx: Context): Promise<Date | null> {
    return this.volunteers.visibleRejection(ctx, row).then((rejection) => rejection?.at ?? null);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Why the volunteer was turned down; the volunteer, professionals and admins only.' })
  rejectionReason(@Root() row: VolunteerRow, @Ctx() ctx: Context): Promise<string | null> {
    return this.volunteers.visibleRejection(ctx, row).then((rejection) => rejection?.reason ?? null);
  }

  @FieldResolver(() => Float, { nullable: true, description: 'Mean rating from requesters, 1 to 5; null until rated.' })
  rating(@Root() row: VolunteerRow): number | null {
    return row.ratingCount > 0 ? row.ratingSum / row.ratingCount : null;
  }
}

/** `User.volunteer`: the volunteer side of a person, if they have one. */
@Resolver(() => User)
export class UserVolunteerResolver {
  constructor(private readonly volunteers: VolunteersService) {}

  @FieldResolver(() => VolunteerProfile, { nullable: true })
  volunteer(@Root() user: UserRow, @Ctx() ctx: Context): Promise<VolunteerRow | null> {
    return this.volunteers.byUserId(ctx, user.id);
  }
}
