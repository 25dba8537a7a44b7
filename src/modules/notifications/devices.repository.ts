import type { Sql } from '../../platform/db';
import type { DevicePlatform } from './types/device.type';

export interface DeviceRow {
  id: string;
  userId: string;
  platform: DevicePlatform;
  pushToken: string;
  appVersion: string;
  locale: string;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `id, user_id AS "userId", platform, push_token AS "pushToken", app_version AS "appVersion", locale, created_at AS "createdAt", updated_at AS "updatedAt"`;

/** The only code that touches `devices`. */
export class DevicesRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * Registers a token for a user: the same token again updates it (apps re-register on every
   * start), a token another account held moves to this one (the phone changed hands), and a
   * user's devices beyond `keep` go, least recently registered first.
   */
  async upsert(userId: string, device: Pick<DeviceRow, 'platform' | 'pushToken' | 'appVersion' | 'locale'>, keep: number): Promise<DeviceRow> {
    const { rows } = await this.sql.query<DeviceRow>(
      `WITH saved AS (
         INSERT INTO devices (id, user_id, platform, push_token, app_version, locale)
         VALUES (gen_random_uuid(), $1, $2, $3, $4, $5)
         ON CONFLICT (push_token) DO UPDATE SET user_id = EXCLUDED.user_id, platform = EXCLUDED.platform,
           app_version = EXCLUDED.app_version, locale = EXCLUDED.locale, updated_at = now()
         RETURNING ${COLUMNS}
       ), pruned AS (
         DELETE FROM devices WHERE id IN (
           SELECT id FROM devices WHERE user_id = $1 AND push_token <> $3 ORDER BY updated_at DESC OFFSET $6 - 1)
       )
       SELECT * FROM saved`,
      [userId, device.platform, device.pushToken, device.appVersion, device.locale, keep],
    );
    return rows[0];
  }

  async remove(userId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.sql.query('DELETE FROM devices WHERE id = $1 AND user_id = $2', [id, userId]);
    return (rowCount ?? 0) > 0;
  }

  /** A token the provider reports dead (uninstalled app, expired token). */
  async removeToken(pushToken: string): Promise<void> {
    await this.sql.query('DELETE FROM devices WHERE push_token = $1', [pushToken]);
  }

  async ofUser(userId: string): Promise<DeviceRow[]> {
    const { rows } = await this.sql.query<DeviceRow>(`SELECT ${COLUMNS} FROM devices WHERE user_id = $1 ORDER BY updated_at DESC`, [userId]);
    return rows;
  }
}
