import type { Sql } from '../../platform/db';

export interface QuietHoursRow {
  /** Minutes after local midnight. */
  startMinute: number;
  endMinute: number;
  timeZone: string;
}

/** The only code that touches `notification_quiet_hours`. */
export class QuietHoursRepository {
  constructor(private readonly sql: Sql) {}

  async of(userId: string): Promise<QuietHoursRow | null> {
    const { rows } = await this.sql.query<QuietHoursRow>(
      'SELECT start_minute AS "startMinute", end_minute AS "endMinute", time_zone AS "timeZone" FROM notification_quiet_hours WHERE user_id = $1',
      [userId],
    );
    return rows[0] ?? null;
  }

  async save(userId: string, hours: QuietHoursRow | null): Promise<void> {
    if (!hours) {
      await this.sql.query('DELETE FROM notification_quiet_hours WHERE user_id = $1', [userId]);
      return;
    }
    await this.sql.query(
      `INSERT INTO notification_quiet_hours (user_id, start_minute, end_minute, time_zone) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id) DO UPDATE SET start_minute = EXCLUDED.start_minute, end_minute = EXCLUDED.end_minute, time_zone = EXCLUDED.time_zone, updated_at = now()`,
      [userId, hours.startMinute, hours.endMinute, hours.timeZone],
    );
  }
}
