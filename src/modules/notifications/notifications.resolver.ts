import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../platform/auth';
import { User, type UserRow } from '../users';
import { PhoneVerificationService } from './phone-verification.service';
import type { StoredPreference } from './preferences.repository';
import { PreferencesService } from './preferences.service';
import { NotificationPreference, NotificationPreferencesInput } from './types/notification-preference.type';
import { QuietHours, type QuietHoursInput } from './quiet-hours';
import { QuietHoursType } from './types/quiet-hours.type';

/** The person's say over what reaches them, and the phone number SMS go to. */
@Resolver()
export class NotificationSettingsResolver {
  constructor(
    private readonly preferences: PreferencesService,
    private readonly phones: PhoneVerificationService,
    private readonly quietHours: QuietHours,
  ) {}

  @Authorized()
  @Query(() => QuietHoursType, { nullable: true, description: 'Your quiet hours, if you set any.' })
  myQuietHours(@Ctx() ctx: Context): Promise<QuietHoursInput | null> {
    return this.quietHours.mine(ctx);
  }

  @Authorized()
  @Mutation(() => QuietHoursType, {
    nullable: true,
    description: 'Sets your quiet hours (null clears them): chat messages are not pushed during them. SOS alerts, escalations and news of your own SOS always are.',
  })
  setQuietHours(@Ctx() ctx: Context, @Arg('input', () => QuietHoursType, { nullable: true }) input?: QuietHoursType | null): Promise<QuietHoursInput | null> {
    return this.quietHours.set(ctx, input);
  }

  @Authorized()
  @Query(() => [NotificationPreference], { description: 'Every notification you may turn on or off, as it stands (push on and SMS off unless you changed them).' })
  notificationPreferences(@Ctx() ctx: Context): Promise<StoredPreference[]> {
    return this.preferences.mine(ctx);
  }

  @Authorized()
  @Mutation(() => [NotificationPreference], { description: 'Turns notifications on or off; returns them all. SMS need a verified phone number as well.' })
  updateNotificationPreferences(@Arg('input', () => NotificationPreferencesInput) input: NotificationPreferencesInput, @Ctx() ctx: Context): Promise<StoredPreference[]> {
    return this.preferences.update(ctx, input.preferences);
  }

  @Authorized()
  @Mutation(() => Boolean, {
    description: 'Sends a 6-digit code by SMS to this number (international format, e.g. +4915112345678), good for 10 minutes and 5 tries. Rate limited per number and per network.',
  })
  async requestPhoneVerification(@Arg('phone') phone: string, @Ctx() ctx: Context): Promise<boolean> {
    await this.phones.request(ctx, phone);
    return true;
  }

  @Authorized()
  @Mutation(() => User, { description: 'Proves the number yours with the code from the SMS: it becomes your phone, verified.' })
  verifyPhone(@Arg('code') code: string, @Ctx() ctx: Context): Promise<UserRow> {
    return this.phones.verify(ctx, code);
  }
}
