import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import { Counter, Histogram, type Registry } from 'prom-client';
import { NotificationCategory, NotificationStatus } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import type { DeviceRow, DevicesRepository } from './devices.repository';
import type { AttemptRow, NotificationRow, NotificationsRepository } from './notifications.repository';
import { URGENT, render } from './notifications.templates';
import type { PushChannel } from './push.channel';
import type { PushResult } from './providers/push-provider';

/** How long a claimed notification is left to its deliverer before it counts as lost. */
const LEASE_MS = 15_000;
/** Attempts before a notification is dead-lettered (FAILED, for admins to see and retry). */
const MAX_ATTEMPTS = 6;
/** Retries of what concerns an SOS come within seconds (0.5 s, then up to 10 s apart, jittered): minutes later it is news of the past. */
const SOS_BACKOFF = new ExponentialBackoff({ initialDelay: 500, maxDelay: 10_000 });
/** Categories sent only while the person's app is not open: it shows them in the app itself. */
const ONLY_IF_AWAY: readonly NotificationCategory[] = [NotificationCategory.SOS_ACCEPTED, NotificationCategory.SOS_ARRIVED];
/** How long a provider may hold a push it cannot deliver yet (an alert expires within a step anyway). */
const TTL_SECONDS: Partial<Record<NotificationCategory, number>> = { SOS_ALERT: 60, ALERT_CLEARED: 300, ESCALATION: 600 };

export interface Presence {
  isOnline(userId: string): Promise<boolean>;
}

/** The delay before attempt `attempts + 1`, from cockatiel's decorrelated-jitter exponential backoff. */
function backoffAfter(attempts: number): number {
  let backoff: IBackoff<unknown> = SOS_BACKOFF.next();
  for (let i = 1; i < attempts; i++) backoff = backoff.next(undefined);
  return backoff.duration;
}

/**
 * One attempt at one notification: claim it, push it to each of the person's devices through
 * their platform's provider, forget tokens the provider calls dead, and settle it: SENT if any
 * device took it, PENDING again (with a backoff) if a provider asked to retry, FAILED after
 * MAX_ATTEMPTS or when nothing can take it, SKIPPED when there is nobody to push to.
 */
export class NotificationDelivery {
  private readonly outcomes: Counter<'channel' | 'provider' | 'category' | 'outcome'>;
  private readonly latency: Histogram<'channel' | 'category'>;

  constructor(
    private readonly repository: NotificationsRepository,
    private readonly devices: DevicesRepository,
    private readonly push: PushChannel,
    private readonly presence: Presence,
    registry: Registry,
    private readonly logger: Logger,
  ) {
    this.outcomes = new Counter({
      name: 'notifications_total',
      help: 'Notification attempts per device by channel, provider, category and outcome (accepted, dead-token, retry, rejected, off, skipped).',
      labelNames: ['channel', 'provider', 'category', 'outcome'],
      registers: [registry],
    });
    this.latency = new Histogram({
      name: 'notification_delivery_seconds',
      help: 'From the change that caused a notification (its outbox row) to a provider accepting it.',
      labelNames: ['channel', 'category'],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60],
      registers: [registry],
    });
  }

  /** Delivers if it is due and nobody else has it; returns when to try again (and which attempt that is), if it is to be tried again. */
  async deliver(id: string): Promise<{ at: Date; attempt: number } | null> {
    const notification = await this.repository.claim(id, LEASE_MS);
    if (!notification) return null;
    if (ONLY_IF_AWAY.includes(notification.category) && (await this.presence.isOnline(notification.userId).catch(() => false))) {
      return this.settle(notification, NotificationStatus.SKIPPED, 'the app is open', [{ provider: 'none', outcome: 'skipped', detail: 'the app is open', latencyMs: 0 }]);
    }
    const devices = await this.devices.ofUser(notification.userId);
    if (devices.length === 0) return this.settle(notification, NotificationStatus.SKIPPED, 'no device registered', []);

    const attempts = await Promise.all(devices.map((device) => this.pushTo(device, notification)));
    const results = attempts.map((a) => a.result);
    if (results.some((r) => r.outcome === 'accepted')) {
      this.latency.observe({ channel: notification.channel, category: notification.category }, (Date.now() - notification.createdAt.getTime()) / 1000);
      return this.settle(notification, NotificationStatus.SENT, null, attempts.map((a) => a.row));
    }
    const retries = results.filter((r) => r.outcome === 'retry');
    const error = results.map((r) => r.detail).filter(Boolean).join('; ') || 'no device took it';
    if (retries.length > 0 && notification.attempts < MAX_ATTEMPTS) {
      const wait = Math.max(backoffAfter(notification.attempts), ...retries.map((r) => r.retryAfterMs ?? 0));
      return this.settle(notification, NotificationStatus.PENDING, error, attempts.map((a) => a.row), new Date(Date.now() + wait));
    }
    if (attempts.every((a) => a.row.outcome === 'off')) return this.settle(notification, NotificationStatus.SKIPPED, 'push is off (no provider credentials)', attempts.map((a) => a.row));
    if (results.every((r) => r.outcome === 'dead-token')) return this.settle(notification, NotificationStatus.SKIPPED, 'every device token was dead', attempts.map((a) => a.row));
    this.logger.warn({ notificationId: notification.id, category: notification.category, error }, 'notification failed: dead-lettered');
    return this.settle(notification, NotificationStatus.FAILED, error, attempts.map((a) => a.row));
  }

  private async pushTo(device: DeviceRow, notification: NotificationRow): Promise<{ result: PushResult; row: AttemptRow }> {
    const provider = this.push.providerOf(device.platform) ?? 'off';
    const started = Date.now();
    const result =
      provider === 'off'
        ? ({ outcome: 'rejected', detail: `push is off for ${device.platform}` } as PushResult)
        : await this.push.send(device.platform, device.pushToken, {
            alert: render(notification.category, device.locale, notification.payload),
            data: { type: notification.category, notificationId: notification.id, ...notification.payload },
            urgent: URGENT.includes(notification.category),
            collapseKey: notification.payload.sosId ?? null,
            ttlSeconds: TTL_SECONDS[notification.category] ?? 3600,
          });
    if (result.outcome === 'dead-token') {
      await this.devices.removeToken(device.pushToken);
      this.logger.info({ deviceId: device.id, provider, detail: result.detail }, 'dead push token removed');
    }
    this.outcomes.inc({ channel: notification.channel, provider, category: notification.category, outcome: provider === 'off' ? 'off' : result.outcome });
    return { result, row: { provider, outcome: provider === 'off' ? 'off' : result.outcome, detail: result.detail, latencyMs: Date.now() - started } };
  }

  private async settle(
    notification: NotificationRow,
    status: NotificationStatus,
    error: string | null,
    attempts: AttemptRow[],
    retryAt: Date | null = null,
  ): Promise<{ at: Date; attempt: number } | null> {
    if (status === NotificationStatus.SKIPPED) this.outcomes.inc({ channel: notification.channel, provider: 'none', category: notification.category, outcome: 'skipped' });
    await this.repository.settle(notification.id, { status, error, retryAt }, attempts);
    return retryAt && { at: retryAt, attempt: notification.attempts };
  }
}
