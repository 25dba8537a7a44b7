import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../../platform/auth';
import { AuthService, type Session } from './auth.service';
import { AuthPayload } from './types/auth-payload.type';
import { LoginInput } from './types/login.input';
import { RegisterInput } from './types/register.input';

@Resolver()
export class AuthResolver {
  constructor(private readonly auth: AuthService) {}

  @Mutation(() => AuthPayload, { description: 'Creates an account (role USER) and signs it in.' })
  register(@Arg('input', () => RegisterInput) input: RegisterInput, @Ctx() ctx: Context): Promise<Session> {
    return this.auth.register(ctx, input);
  }

  @Mutation(() => AuthPayload, { description: 'Failed attempts are limited per account and per network: RATE_LIMITED with retryAfterSeconds.' })
  login(@Arg('input', () => LoginInput) input: LoginInput, @Ctx() ctx: Context): Promise<Session> {
    return this.auth.login(ctx, input);
  }

  @Mutation(() => AuthPayload, { description: 'Exchanges a refresh token for a new session; the old refresh token stops working.' })
  refreshSession(@Arg('refreshToken') refreshToken: string, @Ctx() ctx: Context): Promise<Session> {
    return this.auth.refresh(ctx, refreshToken);
  }

  @Mutation(() => Boolean, { description: 'Revokes the session the refresh token belongs to. Always true, also for unknown tokens.' })
  logout(@Arg('refreshToken') refreshToken: string): Promise<boolean> {
    return this.auth.logout(refreshToken);
  }
}
