import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ID } from '../../platform/graphql/id.scalar';
import { Role, type Context } from '../../platform/auth';
import type { UserRow } from './users.repository';
import { User } from './types/user.type';
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

  @Authorized(Role.ADMIN)
  @Mutation(() => User, { description: 'ADMIN only: gives a person the role USER, PROFESSIONAL or ADMIN (audited). The last admin cannot be demoted (CONFLICT).' })
  setUserRole(@Arg('userId', () => ID) userId: string, @Arg('role', () => Role) role: Role, @Ctx() ctx: Context): Promise<UserRow> {
    return this.users.changeRole(ctx, userId, role);
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
