import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../../platform/auth';
import { PasswordReset } from './password-reset';
import { ResetPasswordInput } from './types/reset-password.input';

@Resolver()
export class PasswordResetResolver {
  constructor(private readonly passwordReset: PasswordReset) {}

  @Mutation(() => Boolean, {
    description: 'Mails a link to reset the password, good for 30 minutes and once. Always true, whether or not the address has an account; rate limited per address and network.',
  })
  async requestPasswordReset(@Arg('email') email: string, @Ctx() ctx: Context): Promise<boolean> {
    await this.passwordReset.request(ctx, email);
    return true;
  }

  @Mutation(() => Boolean, { description: 'Sets a new password with the token from the mail, and signs the account out everywhere. BAD_USER_INPUT for an unknown, used or expired token.' })
  async resetPassword(@Arg('input', () => ResetPasswordInput) input: ResetPasswordInput): Promise<boolean> {
    await this.passwordReset.reset(input.token, input.newPassword);
    return true;
  }
}
