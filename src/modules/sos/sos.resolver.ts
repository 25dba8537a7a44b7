import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Role, type Context } from '../../platform/auth';
import { SosService } from './sos.service';
import type { AlertRow, SosRow } from './sos.repository';
import { RaiseSosInput } from './types/raise-sos.input';
import { SosAlert } from './types/sos-alert.type';
import { SosRequest, SosRequestConnection } from './types/sos-request.type';

@Resolver()
export class SosResolver {
  constructor(private readonly service: SosService) {}

  @Authorized()
  @Query(() => SosRequest, { nullable: true, description: 'Null unless the viewer is the requester, an alerted or the assigned volunteer, a professional or an admin.' })
  sos(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<SosRow | null> {
    return this.service.visible(ctx, id);
  }

  @Authorized()
  @Query(() => SosRequestConnection, { description: 'The SOS the signed-in person raised, newest first.' })
  mySosRequests(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ) {
    return this.service.mine(ctx, first, after);
  }

  @Authorized()
  @Query(() => SosRequest, { nullable: true, description: 'The SOS the signed-in volunteer is currently assigned to, if any.' })
  myAssignment(@Ctx() ctx: Context): Promise<SosRow | null> {
    return this.service.myAssignment(ctx);
  }

  @Authorized()
  @Query(() => [SosAlert], { description: 'Open alerts offered to the signed-in volunteer.' })
  myAlerts(@Ctx() ctx: Context): Promise<AlertRow[]> {
    return this.service.myAlerts(ctx);
  }

  @Authorized(Role.PROFESSIONAL, Role.ADMIN)
  @Query(() => [SosRequest], { description: 'PROFESSIONAL and ADMIN only: SOS not yet closed, escalated ones first, then oldest first.' })
  openSosRequests(@Arg('limit', () => Int, { nullable: true }) limit?: number | null): Promise<SosRow[]> {
    return this.service.openForStaff(limit);
  }

  @Authorized()
  @Mutation(() => SosRequest)
  raiseSos(@Arg('input', () => RaiseSosInput) input: RaiseSosInput, @Ctx() ctx: Context): Promise<SosRow> {
    return this.service.raise(ctx, input);
  }

  @Authorized()
  @Mutation(() => SosRequest, { description: 'The first accept wins; the others get CONFLICT.' })
  acceptSos(@Arg('sosId', () => ID) sosId: string, @Ctx() ctx: Context): Promise<SosRow> {
    return this.service.accept(ctx, sosId);
  }

  @Authorized()
  @Mutation(() => Boolean)
  declineSos(@Arg('sosId', () => ID) sosId: string, @Ctx() ctx: Context): Promise<boolean> {
    return this.service.decline(ctx, sosId);
  }

  @Authorized()
  @Mutation(() => SosRequest, { description: 'The assigned volunteer is there.' })
  markArrived(@Arg('sosId', () => ID) sosId: string, @Ctx() ctx: Context): Promise<SosRow> {
    return this.service.markArrived(ctx, sosId);
  }

  @Authorized()
  @Mutation(() => SosRequest, { description: 'The requester or the assigned volunteer closes the SOS as handled.' })
  resolveSos(@Arg('sosId', () => ID) sosId: string, @Ctx() ctx: Context, @Arg('note', () => String, { nullable: true }) note?: string | null): Promise<SosRow> {
    return this.service.resolve(ctx, sosId, note);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'An alerted or the assigned volunteer reports the SOS as not real.' })
  reportFakeSos(@Arg('sosId', () => ID) sosId: string, @Ctx() ctx: Context, @Arg('reason', () => String, { nullable: true }) reason?: string | null): Promise<boolean> {
    return this.service.reportFake(ctx, sosId, reason);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'The requester rates the volunteer, 1 to 5, once, after resolution.' })
  rateResponse(
    @Arg('sosId', () => ID) sosId: string,
    @Arg('rating', () => Int) rating: number,
    @Ctx() ctx: Context,
    @Arg('comment', () => String, { nullable: true }) comment?: string | null,
  ): Promise<boolean> {
    return this.service.rate(ctx, sosId, rating, comment);
  }

  @Authorized()
  @Mutation(() => SosRequest)
  cancelSos(@Arg('sosId', () => ID) sosId: string, @Ctx() ctx: Context, @Arg('reason', () => String, { nullable: true }) reason?: string | null): Promise<SosRow> {
    return this.service.cancel(ctx, sosId, reason);
  }
}
