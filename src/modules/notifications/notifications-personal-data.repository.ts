import type { Queryable } from '../../platform/db';
import type { PersonalData } from '../../platform/privacy';

/** What the notification tables hold of people: devices (not their push tokens), choices, and what was sent to them. */
export class NotificationsPersonalData implements PersonalData {
  async exportOf(userId: string, db: Queryable) {
    const [devices, preferences, quietHours, sent] = await Promise.all([
      db.query(`SELECT platform, app_version AS "appVersion", locale, created_at AS "registeredAt" FROM devices WHERE user_id = $1 ORDER BY created_at`, [userId]),
      db.query(`SELECT category, channel, enabled FROM notification_preferences WHERE user_id = $1 ORDER BY category, channel`, [userId]),
      db.query(`SELECT start_minute AS "startMinute", end_minute AS "endMinute", time_zone AS "timeZone" FROM notification_quiet_hours WHERE user_id = $1`, [userId]),
      db.query(`SELECT channel, category, status, created_at AS "createdAt" FROM notifications WHERE user_id = $1 ORDER BY created_at`, [userId]),
    ]);
    return { devices: devices.rows, preferences: preferences.rows, quietHours: quietHours.rows[0] ?? null, notifications: sent.rows };
  }
}
