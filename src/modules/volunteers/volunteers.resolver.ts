import { Arg, Args, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { ID } from '../../platform/graphql/id.scalar';
import { Role, type Context } from '../../platform/auth';
import { LocationAck } from './types/location-ack.type';
import { checkLocationUpdate } from './types/location-bounds';
import { NearbyVolunteer } from './types/nearby-volunteer.type';
import { Skill } from './types/skill';
import { NearbyVolunteersArgs, SetAvailabilityArgs, UpdateLocationArgs } from './types/volunteer.args';
import { VolunteerProfile, VolunteerProfileConnection } from './types/volunteer-profile.type';
import { RejectVolunteerArgs } from './types/reject-volunteer.args';
import { VolunteerSignupInput } from './types/volunteer-signup.input';
import type { VolunteerRow } from './volunteers.repository';
import { VolunteersService, type LocationAckResult, type NearbyResult } from './volunteers.service';

@Resolver()
export class VolunteersResolver {
  constructor(private readonly volunteers: VolunteersService) {}

  @Authorized()
  @Mutation(() => VolunteerProfile, { description: 'Signs the caller up as a volunteer (role VOLUNTEER unless staff). Unverified until an admin verifies them.' })
  becomeVolunteer(@Arg('input', () => VolunteerSignupInput) input: VolunteerSignupInput, @Ctx() ctx: Context): Promise<VolunteerRow> {
    return this.volunteers.becomeVolunteer(ctx, input);
  }

  @Authorized()
  @Mutation(() => VolunteerProfile)
  updateVolunteerSkills(@Arg('skills', () => [Skill]) skills: Skill[], @Ctx() ctx: Context): Promise<VolunteerRow> {
    return this.volunteers.updateSkills(ctx, skills);
  }

  @Authorized()
  @Mutation(() => VolunteerProfile, { description: 'Availability lapses by itself when no location arrives for VOLUNTEER_STALE_SECONDS.' })
  setAvailability(@Args(() => SetAvailabilityArgs) args: SetAvailabilityArgs, @Ctx() ctx: Context): Promise<VolunteerRow> {
    return this.volunteers.setAvailability(ctx, args.available, args.location);
  }

  @Authorized()
  @Mutation(() => LocationAck)
  updateLocation(@Args(() => UpdateLocationArgs, { validate: false }) args: UpdateLocationArgs, @Ctx() ctx: Context): Promise<LocationAckResult> {
    checkLocationUpdate(args);
    return this.volunteers.updateLocation(ctx, { ...args.location, headingDegrees: args.headingDegrees, speedMps: args.speedMps });
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => VolunteerProfile, { description: 'ADMIN only: marks a volunteer as verified (audited; clears a rejection).' })
  verifyVolunteer(@Arg('volunteerId', () => ID) volunteerId: string, @Ctx() ctx: Context): Promise<VolunteerRow> {
    return this.volunteers.verify(ctx, volunteerId);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => VolunteerProfile, { description: 'ADMIN only: turns a volunteer down (audited): never alerted, cannot go available, out of pendingVolunteers. verifyVolunteer undoes it.' })
  rejectVolunteer(@Args(() => RejectVolunteerArgs) args: RejectVolunteerArgs, @Ctx() ctx: Context): Promise<VolunteerRow> {
    return this.volunteers.reject(ctx, args.volunteerId, args.reason);
  }

  @Authorized(Role.PROFESSIONAL, Role.ADMIN)
  @Query(() => VolunteerProfileConnection, { description: 'PROFESSIONAL and ADMIN only: volunteers awaiting verification (neither verified nor rejected), oldest first.' })
  pendingVolunteers(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ) {
    return this.volunteers.pending(ctx, first, after);
  }

  @Authorized(Role.PROFESSIONAL, Role.ADMIN)
  @Query(() => [NearbyVolunteer], { description: 'PROFESSIONAL and ADMIN only.' })
  nearbyVolunteers(@Args(() => NearbyVolunteersArgs) args: NearbyVolunteersArgs, @Ctx() ctx: Context): Promise<NearbyResult[]> {
    return this.volunteers.nearby(ctx, args.location, args.radiusMeters, args.limit, args.skills);
  }
}
