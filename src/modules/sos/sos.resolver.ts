import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { ID } from '../../platform/graphql/id.scalar';
import { EMERGENCY, Role, type Context } from '../../platform/auth';
import { SosIntake } from './sos.intake';
import { SosLifecycle } from './sos.lifecycle';
import { SosService } from './sos.service';
import type { AlertRow } from './sos-alerts.repository';
import type { SosNoteRow, SosRow } from './sos.repository';
import { RaiseSosInput } from './types/raise-sos.input';
import { SosAlert } from './types/sos-alert.type';
import { SosNote } from './types/sos-note.type';
import { SosRequest, SosRequestConnection } from './types/sos-request.type';

@Resolver()
export class SosResolver {
  constructor(
    private readonly service: SosService,
    private readonly intake: SosIntake,
    private readonly lifecycle: SosLifecycle,
  ) {}

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

  @Authorized()
  @Mutation(() => SosAlert, { description: 'The app showed this alert to the volunteer (opened from a push or on screen): no SMS follows it.' })
  markAlertSeen(@Arg('alertId', () => ID) alertId: string, @Ctx() ctx: Context): Promise<AlertRow> {
    return this.service.markAlertSeen(ctx, alertId);
  }

  @Authorized(Role.PROFESSIONAL, Role.ADMIN)
  @Query(() => [SosRequest], { description: 'PROFESSIONAL and ADMIN only: SOS not yet closed, escalated ones first, then oldest first.' })
  openSosRequests(@Ctx() ctx: Context, @Arg('limit', () => Int, { nullable: true }) limit?: number | null): Promise<SosRow[]> {
    return this.service.openForStaff(ctx, limit);
  }

  // Emergencies are never blocked: a suspended account may raise one too (it goes to staff).
  @Authorized(EMERGENCY)
  @Mutation(() => SosRequest)
  async raiseSos(@Arg('input', () => RaiseSosInput) input: RaiseSosInput, @Ctx() ctx: Context): Promise<SosRow> {
    return this.service.presentRaised(ctx, await this.intake.raise(ctx, input));
  }

  @Authorized()
  @Mutation(() => SosRequest, { description: 'The first accept wins; the others get CONFLICT.' })
  async acceptSos(@Arg('sosId', () => ID) sosId: string, @Ctx() ctx: Context): Promise<SosRow> {
    return this.service.present(ctx, await this.lifecycle.accept(ctx, sosId));
  }

  @Authorized()
  @Mutation(() => Boolean)
  async declineSos(@Arg('sosId', () => ID) sosId: string, @Ctx() ctx: Context): Promise<boolean> {
    await this.lifecycle.decline(ctx, sosId);
    return true;
  }

  @Authorized()
  @Mutation(() => SosRequest, { description: 'The assigned volunteer is there.' })
  async markArrived(@Arg('sosId', () => ID) sosId: string, @Ctx() ctx: Context): Promise<SosRow> {
    return this.service.fresh(ctx, await this.lifecycle.markArrived(ctx, sosId));
  }

  @Authorized()
  @Mutation(() => SosRequest, {
    description: 'The requester, the assigned volunteer, or a PROFESSIONAL or ADMIN (an escalated SOS has no volunteer) closes the SOS as handled.',
  })
  async resolveSos(@Arg('sosId', () => ID) sosId: string, @Ctx() ctx: Context, @Arg('note', () => String, { nullable: true }) note?: string | null): Promise<SosRow> {
    return this.service.fresh(ctx, await this.lifecycle.resolve(ctx, sosId, note));
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'An alerted or the assigned volunteer reports the SOS as not real.' })
  async reportFakeSos(@Arg('sosId', () => ID) sosId: string, @Ctx() ctx: Context, @Arg('reason', () => String, { nullable: true }) reason?: string | null): Promise<boolean> {
    await this.lifecycle.reportFake(ctx, sosId, reason);
    return true;
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'The requester rates the volunteer, 1 to 5, once, after resolution.' })
  async rateResponse(
    @Arg('sosId', () => ID) sosId: string,
    @Arg('rating', () => Int) rating: number,
    @Ctx() ctx: Context,
    @Arg('comment', () => String, { nullable: true }) comment?: string | null,
  ): Promise<boolean> {
    await this.lifecycle.rate(ctx, sosId, rating, comment);
    return true;
  }

  @Authorized(Role.PROFESSIONAL, Role.ADMIN)
  @Mutation(() => SosRequest, { description: 'PROFESSIONAL and ADMIN only: calls an open SOS off, with a reason (audited; not counted against the requester).' })
  async cancelSosAsStaff(@Arg('sosId', () => ID) sosId: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: Context): Promise<SosRow> {
    return this.service.fresh(ctx, await this.lifecycle.cancelAsStaff(ctx, sosId, reason));
  }

  @Authorized(Role.PROFESSIONAL, Role.ADMIN)
  @Mutation(() => SosRequest, {
    description:
      'PROFESSIONAL and ADMIN only (audited): without volunteerId, takes an open SOS from its volunteer (if any) and matches it again from the first radius (also after an escalation); with volunteerId, offers it to that volunteer, who has SOS_STEP_TIMEOUT_SECONDS to accept before matching carries on by itself. A volunteer helping with another SOS is a CONFLICT; one turned down or without a known location is BAD_USER_INPUT.',
  })
  async reassignSos(
    @Arg('sosId', () => ID) sosId: string,
    @Arg('volunteerId', () => ID, { nullable: true }) volunteerId: string | null | undefined,
    @Arg('reason', () => String, { nullable: true, description: 'Why, shown on the timeline and in the audit log.' }) reason: string | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<SosRow> {
    return this.service.fresh(ctx, await this.lifecycle.reassign(ctx, sosId, volunteerId, reason));
  }

  @Authorized(Role.PROFESSIONAL, Role.ADMIN)
  @Mutation(() => SosNote, { description: 'PROFESSIONAL and ADMIN only: a note on an SOS (any state), seen by staff only (SosRequest.notes); audited.' })
  addSosNote(@Arg('sosId', () => ID) sosId: string, @Arg('text', () => String) text: string, @Ctx() ctx: Context): Promise<SosNoteRow> {
    return this.lifecycle.addNote(ctx, sosId, text);
  }

  @Authorized()
  @Mutation(() => SosRequest)
  async cancelSos(@Arg('sosId', () => ID) sosId: string, @Ctx() ctx: Context, @Arg('reason', () => String, { nullable: true }) reason?: string | null): Promise<SosRow> {
    return this.service.fresh(ctx, await this.lifecycle.cancel(ctx, sosId, reason));
  }
}
