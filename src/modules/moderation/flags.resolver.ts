import { Arg, Args, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Role, type Context } from '../../platform/auth';
import type { FlagEventRow, FlagRow } from './flags.repository';
import type { ModerationService } from './moderation.service';
import { Flag, FlagConnection, FlagEvent } from './types/flag.type';
import { FlagsFilter } from './types/flags-filter.input';
import { ResolveFlagArgs } from './types/resolve-flag.args';

@Resolver(() => Flag)
export class FlagsResolver {
  constructor(private readonly service: ModerationService) {}

  @Authorized(Role.PROFESSIONAL, Role.ADMIN)
  @Query(() => FlagConnection, { description: 'Staff only: review flags, newest first (filter state OPEN for the moderation queue).' })
  flags(
    @Ctx() ctx: Context,
    @Arg('filter', () => FlagsFilter, { nullable: true }) filter?: FlagsFilter | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ) {
    return this.service.page(ctx, filter ?? {}, first, after);
  }

  @Authorized(Role.PROFESSIONAL, Role.ADMIN)
  @Mutation(() => Flag, {
    description:
      'Staff only: resolves an open flag (audited): CLEAR, WARN (the person is mailed the note) or SUSPEND (ADMIN only: suspends the person concerned as suspendUser, with the note as reason). A flag resolved already is a CONFLICT.',
  })
  resolveFlag(@Args(() => ResolveFlagArgs) args: ResolveFlagArgs, @Ctx() ctx: Context): Promise<FlagRow> {
    return this.service.resolve(ctx, args.id, args.action, args.note);
  }

  @FieldResolver(() => [FlagEvent], { description: 'Opened, raised again, resolved: oldest first.' })
  history(@Root() flag: FlagRow, @Ctx() ctx: Context): Promise<FlagEventRow[]> {
    return this.service.historyOf(ctx, flag.id);
  }
}
