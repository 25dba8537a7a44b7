import type { Sql, Tx } from '../../platform/db';
import type { NotificationCategory, NotificationChannel, NotificationStatus } from '../../platform/db';
import { defaultPreference } from './preferences.service';

export interface NotificationRow {
  id: string;
  dedupKey: string;
  userId: string;
  channel: NotificationChannel;
  category: NotificationCategory;
  payload: Record<string, string>;
  status: NotificationStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

export interface NewNotification {
  dedupKey: string;
  userId: string;
  channel: NotificationChannel;
  category: NotificationCategory;
  payload: Record<string, string>;
  /** Not before this many seconds from now (the SMS that follows an alert nobody opened). */
  delaySeconds?: number;
}

/** A row just written: when its first attempt is due. */
export interface Written {
  id: string;
  at: Date;
}

export interface AttemptRow {
  provider: string;
  outcome: string;
  detail: string | null;
  latencyMs: number;
}

const COLUMNS = `id, dedup_key AS "dedupKey", user_id AS "userId", channel, category, payload, status, attempts,
  next_attempt_at AS "nextAttemptAt", last_error AS "lastError", created_at AS "createdAt", sent_at AS "sentAt"`;

/** The only code that touches `notifications` and `notification_attempts`: the outbox. */
export class NotificationsRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * Writes the rows in the caller's transaction; a dedup key written before is skipped, and so is
   * what nobody could receive now: a push to a person without a device, a category they turned
   * off (delivery checks both again when the row is due). Returns the rows written.
   */
  async insert(tx: Tx, rows: readonly NewNotification[]): Promise<Written[]> {
    if (rows.length === 0) return [];
    const { rows: inserted } = await tx.query<Written>(
      `INSERT INTO notifications (id, dedup_key, user_id, channel, category, payload, next_attempt_at)
       SELECT gen_random_uuid(), r.dedup_key, r.user_id, r.channel::"NotificationChannel", r.category::"NotificationCategory", r.payload,
              now() + make_interval(secs => r.delay)
         FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::jsonb[], $6::float8[], $7::boolean[]) AS r(dedup_key, user_id, channel, category, payload, delay, by_default)
        WHERE (r.channel <> 'PUSH' OR EXISTS (SELECT 1 FROM devices d WHERE d.user_id = r.user_id))
          AND (r.by_default IS NULL
               OR COALESCE((SELECT p.enabled FROM notification_preferences p
                             WHERE p.user_id = r.user_id AND p.category = r.category::"NotificationCategory" AND p.channel = r.channel::"NotificationChannel"), r.by_default))
       ON CONFLICT (dedup_key) DO NOTHING
       RETURNING id, next_attempt_at AS at`,
      [
        rows.map((r) => r.dedupKey),
        rows.map((r) => r.userId),
        rows.map((r) => r.channel),
        rows.map((r) => r.category),
        rows.map((r) => JSON.stringify(r.payload)),
        rows.map((r) => r.delaySeconds ?? 0),
        rows.map((r) => defaultPreference(r.category, r.channel)),
      ],
    );
    return inserted;
  }

  /**
   * Takes a pending notification whose attempt is due, for `leaseMs`: whoever else looks (a
   * second job, the sweeper) finds it not due. A delivery that dies is retried when the lease ends.
   */
  async claim(id: string, leaseMs: number): Promise<NotificationRow | null> {
    const { rows } = await this.sql.query<NotificationRow>(
      `UPDATE notifications SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2::float8 / 1000)
        WHERE id = $1 AND status = 'PENDING' AND next_attempt_at <= now()
        RETURNING ${COLUMNS}`,
      [id, leaseMs],
    );
    return rows[0] ?? null;
  }

  /**
   * The outcome of an attempt, with what each provider answered. `forget` names payload fields to
   * drop now (a verification code, once sent, is nobody's business).
   */
  async settle(id: string, outcome: { status: NotificationStatus; error: string | null; retryAt: Date | null; forget?: readonly string[] }, attempts: readonly AttemptRow[]): Promise<void> {
    await this.sql.query(
      `WITH logged AS (
         INSERT INTO notification_attempts (id, notification_id, provider, outcome, detail, latency_ms)
         SELECT gen_random_uuid(), $1, a.provider, a.outcome, a.detail, a.latency_ms
           FROM unnest($5::text[], $6::text[], $7::text[], $8::int[]) AS a(provider, outcome, detail, latency_ms)
       )
       UPDATE notifications SET status = $2::"NotificationStatus", last_error = $3, next_attempt_at = COALESCE($4, next_attempt_at),
              sent_at = CASE WHEN $2::"NotificationStatus" = 'SENT' THEN now() ELSE sent_at END, payload = payload - $9::text[]
        WHERE id = $1`,
      [
        id,
        outcome.status,
        outcome.error,
        outcome.retryAt,
        attempts.map((a) => a.provider),
        attempts.map((a) => a.outcome),
        attempts.map((a) => a.detail),
        attempts.map((a) => a.latencyMs),
        outcome.forget ?? [],
      ],
    );
  }

  /** Pending notifications due for `graceMs` already: their job was lost (Redis down or flushed, an instance gone). */
  async overdue(graceMs: number, limit: number): Promise<string[]> {
    const { rows } = await this.sql.query<{ id: string }>(
      `SELECT id FROM notifications
        WHERE status = 'PENDING' AND next_attempt_at <= now() - make_interval(secs => $1::float8 / 1000)
        ORDER BY next_attempt_at LIMIT $2`,
      [graceMs, limit],
    );
    return rows.map((r) => r.id);
  }

  async byId(id: string): Promise<NotificationRow | null> {
    const { rows } = await this.sql.query<NotificationRow>(`SELECT ${COLUMNS} FROM notifications WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** Dead letters, newest first. */
  async failed(limit: number): Promise<NotificationRow[]> {
    const { rows } = await this.sql.query<NotificationRow>(`SELECT ${COLUMNS} FROM notifications WHERE status = 'FAILED' ORDER BY created_at DESC LIMIT $1`, [limit]);
    return rows;
  }

  /** What each attempt at these notifications got, oldest first. */
  async attemptsOf(ids: readonly string[]): Promise<(AttemptRow & { notificationId: string; at: Date })[]> {
    const { rows } = await this.sql.query<AttemptRow & { notificationId: string; at: Date }>(
      `SELECT notification_id AS "notificationId", at, provider, outcome, detail, latency_ms AS "latencyMs"
         FROM notification_attempts WHERE notification_id = ANY($1::uuid[]) ORDER BY at, provider`,
      [ids],
    );
    return rows;
  }

  /** A dead letter back to the outbox, due now, with its attempts counted afresh. Null unless it was FAILED. */
  async revive(id: string): Promise<NotificationRow | null> {
    const { rows } = await this.sql.query<NotificationRow>(
      `UPDATE notifications SET status = 'PENDING', attempts = 0, next_attempt_at = now(), last_error = NULL WHERE id = $1 AND status = 'FAILED' RETURNING ${COLUMNS}`,
      [id],
    );
    return rows[0] ?? null;
  }

  async pendingCount(): Promise<number> {
    const { rows } = await this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM notifications WHERE status = 'PENDING'`);
    return rows[0].n;
  }
}
