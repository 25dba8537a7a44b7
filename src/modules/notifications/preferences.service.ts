import { signedIn, type Context } from '../../platform/auth';
import { NotificationCategory, NotificationChannel } from '../../platform/db';
import { badInput } from '../../platform/errors';
import type { PreferencesRepository, StoredPreference } from './preferences.repository';

const { PUSH, SMS } = NotificationChannel;

/**
 * What a person may turn on and off, with the defaults: push on, SMS opt-in (it costs, and wakes
 * people at night). Categories not listed are always sent: the silent push that clears an alert,
 * a phone verification code.
 */
export const CONFIGURABLE: readonly (StoredPreference & { category: NotificationCategory })[] = [
  { category: NotificationCategory.SOS_ALERT, channel: PUSH, enabled: true },
  { category: NotificationCategory.SOS_ALERT, channel: SMS, enabled: false },
  { category: NotificationCategory.ESCALATION, channel: PUSH, enabled: true },
  { category: NotificationCategory.ESCALATION, channel: SMS, enabled: false },
  { category: NotificationCategory.SOS_ACCEPTED, channel: PUSH, enabled: true },
  { category: NotificationCategory.SOS_ARRIVED, channel: PUSH, enabled: true },
  { category: NotificationCategory.CHAT_MESSAGE, channel: PUSH, enabled: true },
];

const configurable = (category: NotificationCategory, channel: NotificationChannel) => CONFIGURABLE.find((p) => p.category === category && p.channel === channel);

/** Whether a person gets this category on this channel unless they changed it; null if it cannot be turned off. */
export const defaultPreference = (category: NotificationCategory, channel: NotificationChannel): boolean | null => configurable(category, channel)?.enabled ?? null;

export class PreferencesService {
  constructor(private readonly repository: PreferencesRepository) {}

  /** Every preference the person may set, as it stands for them. */
  async mine(ctx: Context): Promise<StoredPreference[]> {
    const stored = await this.repository.of(signedIn(ctx));
    return CONFIGURABLE.map((p) => stored.find((s) => s.category === p.category && s.channel === p.channel) ?? p);
  }

  async update(ctx: Context, changes: readonly StoredPreference[]): Promise<StoredPreference[]> {
    const userId = signedIn(ctx);
    changes.forEach((change, i) => {
      if (!configurable(change.category, change.channel)) throw badInput(`preferences.${i}`, `${change.category} by ${change.channel} cannot be turned on or off`);
    });
    if (changes.length > 0) await this.repository.save(userId, changes);
    return this.mine(ctx);
  }

  /** Whether this person gets this category on this channel (always, for what cannot be turned off). */
  async allows(userId: string, category: NotificationCategory, channel: NotificationChannel): Promise<boolean> {
    const preference = defaultPreference(category, channel);
    if (preference === null) return true;
    return (await this.repository.one(userId, category, channel)) ?? preference;
  }
}
