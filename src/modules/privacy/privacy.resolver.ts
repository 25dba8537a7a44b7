import { GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../platform/auth';
import type { PrivacyService } from './privacy.service';

@Resolver()
export class PrivacyResolver {
  constructor(private readonly service: PrivacyService) {}

  @Authorized()
  @Query(() => GraphQLJSONObject, {
    description:
      'Everything the API holds about the signed-in person (GDPR access), as JSON by section: account, volunteer, sos (raised, alerts received), chat, notifications, sessions, flags. Never a secret (password hash, tokens).',
  })
  exportMyData(@Ctx() ctx: Context): Promise<Record<string, unknown>> {
    return this.service.exportMyData(ctx);
  }

  @Authorized()
  @Mutation(() => Boolean, {
    description:
      'Deletes the signed-in account (GDPR erasure), confirmed with the password (wrong: BAD_USER_INPUT; wrong ones count as failed sign-ins, then RATE_LIMITED). Their SOS stay, without their identity, description or exact location, for the volunteers who helped; their messages, devices, sessions and volunteer profile go. Refused (CONFLICT) while they have an SOS open or are on the way to one, and for the last admin. Their tokens stop working at once, and their sockets close (4401).',
  })
  deleteMyAccount(@Arg('password', () => String) password: string, @Ctx() ctx: Context): Promise<boolean> {
    return this.service.deleteMyAccount(ctx, password);
  }
}
