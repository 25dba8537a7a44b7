import { ExponentialBackoff, IterableBackoff, type IBackoff, type IBackoffFactory } from 'cockatiel';
import { Counter, Histogram, type Registry } from 'prom-client';
import { NotificationCategory, NotificationChannel, NotificationStatus } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import type { FixedWindowLimiter } from '../../platform/rate-limit';
import type { DeviceRow, DevicesRepository } from './devices.repository';
import type { AttemptRow, NotificationRow, NotificationsRepository } from './notifications.repository';
import type { MailChannel } from './mail.channel';
import { NON_EMERGENCY, URGENT, render, renderMail, renderSms, type MailLinks } from './notifications.templates';
import type { QuietHours } from './quiet-hours';
import type { PreferencesService } from './preferences.service';
import type { PushChannel } from './push.channel';
import type { SmsChannel } from './sms.channel';

/** How long a claimed notification is left to its deliverer before it counts as lost. */
const LEASE_MS = 15_000;
/**
 * When to try again, and how often before a notification is dead-lettered (FAILED, for admins to
 * see and retry). What concerns an SOS is retried within seconds (0.5 s, then up to 10 s apart,
 * jittered): minutes later it is news of the past. Account mail after 1, 5 and 15 minutes.
 */
const SOS_RETRIES = { backoff: new ExponentialBackoff({ initialDelay: 500, maxDelay: 10_000 }) as IBackoffFactory<unknown>, maxAttempts: 6 };
const ACCOUNT_MAIL_RETRIES = { backoff: new IterableBackoff([60_000, 300_000, 900_000]) as IBackoffFactory<unknown>, maxAttempts: 4 };
const retriesOf = (channel: NotificationChannel) => (channel === NotificationChannel.EMAIL ? ACCOUNT_MAIL_RETRIES : SOS_RETRIES);
/** Categories sent only while the person's app is not open: it shows them in the app itself. */
const ONLY_IF_AWAY: readonly NotificationCategory[] = [NotificationCategory.SOS_ACCEPTED, NotificationCategory.SOS_ARRIVED, NotificationCategory.CHAT_MESSAGE];
/** How long a provider may hold a push it cannot deliver yet (an alert expires within a step anyway). */
const TTL_SECONDS: Partial<Record<NotificationCategory, number>> = { SOS_ALERT: 60, ALERT_CLEARED: 300, ESCALATION: 600 };
/** Payload fields dropped once sent (a verification code, a reset token). */
const SECRETS = ['code', 'token'];

/** What delivery needs to know of other modules. */
export interface DeliveryPorts {
  isOnline(userId: string): Promise<boolean>;
  /** The person's verified phone number, or null. */
  verifiedPhoneOf(userId: string): Promise<string | null>;
  /** Where the person's account mail goes. */
  emailOf(userId: string): Promise<string | null>;
  /** Whether an alert is still offered, unexpired and unseen (an SMS after it is then worth sending). */
  isAlertUnattended(alertId: string): Promise<boolean>;
}

interface Attempted {
  outcome: 'accepted' | 'dead-token' | 'retry' | 'rejected' | 'off';
  detail: string | null;
  retryAfterMs?: number;
  row: AttemptRow;
}

type Settled = { at: Date; attempt: number } | null;

/** The delay before attempt `attempts + 1` (cockatiel's backoffs). */
function backoffAfter(factory: IBackoffFactory<unknown>, attempts: number): number {
  let backoff: IBackoff<unknown> = factory.next(undefined);
  for (let i = 1; i < attempts; i++) backoff = backoff.next(undefined);
  return backoff.duration;
}

/**
 * One attempt at one notification: claim it, send it (push to each of the person's devices, or
 * an SMS through the primary or backup provider), forget push tokens the provider calls dead,
 * and settle it: SENT if anything took it, PENDING again (with a backoff) if a provider asked to
 * retry, FAILED after its last attempt or when nothing will ever take it, SKIPPED when it is not to
 * be sent (turned off, nobody to send to, answered meanwhile).
 */
export class NotificationDelivery {
  private readonly outcomes: Counter<'channel' | 'provider' | 'category' | 'outcome'>;
  private readonly latency: Histogram<'channel' | 'category'>;

  constructor(
    private readonly repository: NotificationsRepository,
    private readonly devices: DevicesRepository,
    private readonly push: PushChannel,
    private readonly sms: SmsChannel,
    private readonly mail: MailChannel,
    private readonly links: MailLinks,
    private readonly preferences: PreferencesService,
    /** Non-emergency notifications wait for these: the person's quiet hours, and a cap per person. */
    private readonly restraint: { quietHours: QuietHours; perPerson: FixedWindowLimiter },
    private readonly ports: DeliveryPorts,
    registry: Registry,
    private readonly logger: Logger,
  ) {
    this.outcomes = new Counter({
      name: 'notifications_total',
      help: 'Notification attempts (per device for push) by channel, provider, category and outcome (accepted, dead-token, retry, rejected, off, skipped).',
      labelNames: ['channel', 'provider', 'category', 'outcome'],
      registers: [registry],
    });
    this.latency = new Histogram({
      name: 'notification_delivery_seconds',
      help: 'From the change that caused a notification (its outbox row) to a provider accepting it; an SMS that follows an unanswered alert includes its wait.',
      labelNames: ['channel', 'category'],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60],
      registers: [registry],
    });
  }

  /** Delivers if it is due and nobody else has it; returns when to try again (and which attempt that is), if it is to be tried again. */
  async deliver(id: string): Promise<Settled> {
    const notification = await this.repository.claim(id, LEASE_MS);
    if (!notification) return null;
    const skip = await this.reasonToSkip(notification);
    if (skip) return this.skip(notification, skip);
    if (notification.channel === NotificationChannel.SMS) return this.sendSms(notification);
    if (notification.channel === NotificationChannel.EMAIL) return this.sendMail(notification);
    return this.sendPush(notification);
  }

  private async reasonToSkip(n: NotificationRow): Promise<string | null> {
    if (!(await this.preferences.allows(n.userId, n.category, n.channel))) return 'turned off by the person';
    if (ONLY_IF_AWAY.includes(n.category) && (await this.ports.isOnline(n.userId).catch(() => false))) return 'the app is open';
    if (NON_EMERGENCY.includes(n.category)) {
      if (await this.restraint.quietHours.isQuietFor(n.userId)) return 'quiet hours';
      const { perPerson } = this.restraint;
      if (perPerson.isExceeded(await perPerson.hit(n.userId))) return 'too many notifications for this person this hour';
    }
    if (n.channel === NotificationChannel.SMS && n.category === NotificationCategory.SOS_ALERT && !(await this.ports.isAlertUnattended(n.payload.alertId))) {
      return 'the alert was seen, answered or is over';
    }
    return null;
  }

  private async sendPush(n: NotificationRow): Promise<Settled> {
    const devices = await this.devices.ofUser(n.userId);
    if (devices.length === 0) return this.skip(n, 'no device registered');
    const attempts = await Promise.all(devices.map((device) => this.pushTo(device, n)));
    if (attempts.every((a) => a.outcome === 'off')) return this.skip(n, 'push is off (no provider credentials)', attempts);
    if (attempts.every((a) => a.outcome === 'dead-token')) return this.skip(n, 'every device token was dead', attempts);
    return this.settle(n, attempts);
  }

  private async pushTo(device: DeviceRow, n: NotificationRow): Promise<Attempted> {
    const provider = this.push.providerOf(device.platform);
    const started = Date.now();
    if (!provider) return this.attempted(n, 'none', { outcome: 'off', detail: `push is off for ${device.platform}` }, started);
    const result = await this.push.send(device.platform, device.pushToken, {
      alert: render(n.category, device.locale, n.payload),
      data: { type: n.category, notificationId: n.id, ...n.payload },
      urgent: URGENT.includes(n.category),
      collapseKey: n.payload.sosId ?? n.payload.conversationId ?? null,
      ttlSeconds: TTL_SECONDS[n.category] ?? 3600,
    });
    if (result.outcome === 'dead-token') {
      await this.devices.removeToken(device.pushToken);
      this.logger.info({ deviceId: device.id, provider, detail: result.detail }, 'dead push token removed');
    }
    return this.attempted(n, provider, result, started);
  }

  private async sendSms(n: NotificationRow): Promise<Settled> {
    // A verification code goes to the number being verified; everything else to the person's verified one.
    const phone = n.category === NotificationCategory.PHONE_CODE ? n.payload.phone : await this.ports.verifiedPhoneOf(n.userId);
    if (!phone) return this.skip(n, 'no verified phone number');
    if (!this.sms.isOn) return this.skip(n, 'SMS is off (no provider credentials)');
    const [latest] = await this.devices.ofUser(n.userId);
    const text = renderSms(n.category, latest?.locale ?? 'en', n.payload);
    if (!text) return this.skip(n, `no SMS text for ${n.category}`);
    const started = Date.now();
    const answers = await this.sms.send(phone, text);
    return this.settle(n, answers.map(({ provider, result }) => this.attempted(n, provider, result, started)));
  }

  private async sendMail(n: NotificationRow): Promise<Settled> {
    const to = await this.ports.emailOf(n.userId);
    if (!to) return this.skip(n, 'no email address');
    if (!this.mail.isOn) return this.skip(n, 'mail is off (no SMTP_URL)');
    const [latest] = await this.devices.ofUser(n.userId);
    const mail = renderMail(n.category, latest?.locale ?? 'en', n.payload, this.links);
    if (!mail) return this.skip(n, `no mail text for ${n.category}`);
    const started = Date.now();
    const { provider, result } = await this.mail.send({ to, subject: mail.title, text: mail.body });
    return this.settle(n, [this.attempted(n, provider, result, started)]);
  }

  private attempted(n: NotificationRow, provider: string, result: Omit<Attempted, 'row'>, started: number): Attempted {
    this.outcomes.inc({ channel: n.channel, provider, category: n.category, outcome: result.outcome });
    return { ...result, row: { provider, outcome: result.outcome, detail: result.detail, latencyMs: Date.now() - started } };
  }

  /** SENT if anything took it; otherwise again later if a provider asked so and attempts remain; else FAILED. */
  private async settle(n: NotificationRow, attempts: readonly Attempted[]): Promise<Settled> {
    const rows = attempts.map((a) => a.row);
    if (attempts.some((a) => a.outcome === 'accepted')) {
      this.latency.observe({ channel: n.channel, category: n.category }, (Date.now() - n.createdAt.getTime()) / 1000);
      await this.repository.settle(n.id, { status: NotificationStatus.SENT, error: null, retryAt: null, forget: SECRETS }, rows);
      return null;
    }
    const error = attempts.map((a) => a.detail).filter(Boolean).join('; ') || 'nothing took it';
    const retries = attempts.filter((a) => a.outcome === 'retry');
    const { backoff, maxAttempts } = retriesOf(n.channel);
    if (retries.length > 0 && n.attempts < maxAttempts) {
      const at = new Date(Date.now() + Math.max(backoffAfter(backoff, n.attempts), ...retries.map((r) => r.retryAfterMs ?? 0)));
      await this.repository.settle(n.id, { status: NotificationStatus.PENDING, error, retryAt: at }, rows);
      return { at, attempt: n.attempts };
    }
    this.logger.warn({ notificationId: n.id, category: n.category, channel: n.channel, error }, 'notification failed: dead-lettered');
    await this.repository.settle(n.id, { status: NotificationStatus.FAILED, error, retryAt: null }, rows);
    return null;
  }

  private async skip(n: NotificationRow, reason: string, attempts: readonly Attempted[] = []): Promise<Settled> {
    this.outcomes.inc({ channel: n.channel, provider: 'none', category: n.category, outcome: 'skipped' });
    await this.repository.settle(n.id, { status: NotificationStatus.SKIPPED, error: reason, retryAt: null, forget: SECRETS }, attempts.map((a) => a.row));
    return null;
  }
}
