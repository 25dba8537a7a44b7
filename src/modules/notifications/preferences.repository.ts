import type { Sql } from '../../platform/db';
import type { NotificationCategory, NotificationChannel } from '../../platform/db';

export interface StoredPreference {
  category: NotificationCategory;
  channel: NotificationChannel;
  enabled: boolean;
}

/** The only code that touches `notification_preferences`: what a person changed from the defaults. */
export class PreferencesRepository {
  constructor(private readonly sql: Sql) {}

  async of(userId: string): Promise<StoredPreference[]> {
    const { rows } = await this.sql.query<StoredPreference>('SELECT category, channel, enabled FROM notification_preferences WHERE user_id = $1', [userId]);
    return rows;
  }

  async one(userId: string, category: NotificationCategory, channel: NotificationChannel): Promise<boolean | null> {
    const { rows } = await this.sql.query<{ enabled: boolean }>('SELECT enabled FROM notification_preferences WHERE user_id = $1 AND category = $2 AND channel = $3', [
      userId,
      category,
      channel,
    ]);
    return rows[0]?.enabled ?? null;
  }

  async save(userId: string, preferences: readonly StoredPreference[]): Promise<void> {
    await this.sql.query(
      `INSERT INTO notification_preferences (user_id, category, channel, enabled)
       SELECT $1, p.category::"NotificationCategory", p.channel::"NotificationChannel", p.enabled
         FROM unnest($2::text[], $3::text[], $4::boolean[]) AS p(category, channel, enabled)
       ON CONFLICT (user_id, category, channel) DO UPDATE SET enabled = EXCLUDED.enabled, updated_at = now()`,
      [userId, preferences.map((p) => p.category), preferences.map((p) => p.channel), preferences.map((p) => p.enabled)],
    );
  }
}
