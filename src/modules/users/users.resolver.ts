import { Arg, Args, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ID } from '../../platform/graphql/id.scalar';
import { Role, type Context } from '../../platform/auth';
import type { UserRow } from './users.repository';
import { SuspendUserArgs } from './types/suspend-user.args';
import { User, UserConnection } from './types/user.type';
import { UsersFilter } from './types/users-filter.input';
import { UsersService } from './users.service';

@Resolver(() => User)
export class UsersResolver {
  constructor(private readonly users: UsersService) {}

  @Authorized()
  @Query(() => User)
  me(@Ctx() ctx: Context): Promise<UserRow> {
    return this.users.me(ctx);
  }

  @Authorized(Role.PROFESSIONAL, Role.ADMIN)
  @Query(() => User, { nullable: true, description: 'PROFESSIONAL and ADMIN only: a user by id (null when there is none).' })
  user(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<UserRow | null> {
    return this.users.userById(ctx, id);
  }

  @Authorized(Role.PROFESSIONAL, Role.ADMIN)
  @Query(() => UserConnection, { name: 'users', description: 'PROFESSIONAL and ADMIN only: people matching the filter, newest accounts first.' })
  searchUsers(
    @Ctx() ctx: Context,
    @Arg('filter', () => UsersFilter, { nullable: true }) filter?: UsersFilter | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ) {
    return this.users.search(ctx, filter ?? {}, first, after);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => User, { description: 'ADMIN only: gives a person the role USER, PROFESSIONAL or ADMIN (audited). The last admin cannot be demoted (CONFLICT).' })
  setUserRole(@Arg('userId', () => ID) userId: string, @Arg('role', () => Role) role: Role, @Ctx() ctx: Context): Promise<UserRow> {
    return this.users.changeRole(ctx, userId, role);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => User, {
    description:
      'ADMIN only: suspends an account (audited) until `until`, or until reinstated. At once, on every instance: its tokens are refused (FORBIDDEN, extensions.suspended), its sockets close with 4403, it cannot sign in or refresh. It may still raise an SOS, which goes straight to staff (ESCALATED). Admins cannot be suspended (CONFLICT): demote them first.',
  })
  suspendUser(@Args(() => SuspendUserArgs) args: SuspendUserArgs, @Ctx() ctx: Context): Promise<UserRow> {
    return this.users.suspend(ctx, args.userId, args.reason, args.until ?? null);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => User, { description: 'ADMIN only: ends a suspension (audited).' })
  reinstateUser(@Arg('userId', () => ID) userId: string, @Ctx() ctx: Context): Promise<UserRow> {
    return this.users.reinstate(ctx, userId);
  }

  @FieldResolver(() => Date, { nullable: true, description: 'Until when the account is suspended (far future: until reinstated); null when it is not. The person themself and staff only.' })
  suspendedUntil(@Root() user: UserRow, @Ctx() ctx: Context): Promise<Date | null> {
    return this.users.visibleSuspension(ctx, user).then((s) => s?.until ?? null);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Why the account is suspended; the person themself and staff only.' })
  suspensionReason(@Root() user: UserRow, @Ctx() ctx: Context): Promise<string | null> {
    return this.users.visibleSuspension(ctx, user).then((s) => s?.reason ?? null);
  }

  @FieldResolver(() => Boolean, { nullable: true, description: 'Professionals and admins only (null for others): flagged for review (cancels most SOS, reported as fake).' })
  flaggedForReview(@Root() user: UserRow, @Ctx() ctx: Context): Promise<boolean | null> {
    return this.users.visibleFlag(ctx, user);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Only visible to the user themself and to admins; null for everyone else.' })
  email(@Root() user: UserRow, @Ctx() ctx: Context): Promise<string | null> {
    return this.users.visibleEmail(ctx, user);
  }
}
