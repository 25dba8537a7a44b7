import { createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { signedIn, type Context } from '../../platform/auth';
import { NotificationCategory, NotificationChannel, inTransaction, type Sql } from '../../platform/db';
import { AppError, badInput, rateLimited } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import type { FixedWindowLimiter } from '../../platform/rate-limit';
import type { UserRow, UsersService } from '../users';
import type { NotificationDispatcher } from './notifications.dispatcher';
import type { NotificationsRepository, Written } from './notifications.repository';
import type { PhoneVerificationsRepository } from './phone-verifications.repository';
import type { SmsChannel } from './sms.channel';

/** A code is good for 10 minutes and 5 tries. */
const CODE_TTL_SECONDS = 600;
const MAX_TRIES = 5;
/** E.164: a plus, a country code, up to 15 digits in all. */
const E164 = /^\+[1-9]\d{7,14}$/;

export interface PhoneVerificationLimits {
  perNumber: FixedWindowLimiter;
  perIp: FixedWindowLimiter;
}

/**
 * Proving a phone number one's own: a 6-digit code by SMS (through the outbox, like every
 * notification), of which only an HMAC is kept, good for 10 minutes and 5 tries. A volunteer
 * needs a verified number to receive SMS alerts.
 */
export class PhoneVerificationService {
  constructor(
    private readonly sql: Sql,
    private readonly verifications: PhoneVerificationsRepository,
    private readonly outbox: NotificationsRepository,
    private readonly dispatcher: NotificationDispatcher,
    private readonly sms: SmsChannel,
    private readonly users: UsersService,
    private readonly limits: PhoneVerificationLimits,
    private readonly secret: string,
    private readonly logger: Logger,
  ) {}

  async request(ctx: Context, phoneInput: string): Promise<void> {
    const userId = signedIn(ctx);
    const phone = phoneInput.replace(/[\s()-]/g, '');
    if (!E164.test(phone)) throw badInput('phone', 'must be a phone number in international format, e.g. +4915112345678');
    if (!this.sms.isOn) throw new AppError('UNAVAILABLE', 'SMS is not configured on this server; phone numbers cannot be verified');
    for (const [limiter, subject, what] of [
      [this.limits.perNumber, phone, 'this number'],
      [this.limits.perIp, ctx.clientIp, 'this network'],
    ] as const) {
      const hit = await limiter.hit(subject);
      if (limiter.isExceeded(hit)) throw rateLimited(`Too many codes sent to ${what}; try again later`, hit.retryAfterSeconds);
    }
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const written: Written[] = await inTransaction(this.sql, async (tx) => {
      await this.verifications.start(tx, userId, phone, this.hash(userId, phone, code), CODE_TTL_SECONDS);
      return this.outbox.insert(tx, [
        { dedupKey: `phone-code:${randomUUID()}`, userId, channel: NotificationChannel.SMS, category: NotificationCategory.PHONE_CODE, payload: { phone, code } },
      ]);
    });
    await this.dispatcher.enqueue(written);
    this.logger.info({ userId }, 'phone verification code sent');
  }

  async verify(ctx: Context, codeInput: string): Promise<UserRow> {
    const userId = signedIn(ctx);
    const code = codeInput.trim();
    if (!/^\d{6}$/.test(code)) throw badInput('code', 'must be the 6 digits from the SMS');
    const outcome = await inTransaction(this.sql, async (tx) => {
      const pending = await this.verifications.lock(tx, userId);
      if (!pending || pending.expiresAt.getTime() <= Date.now()) return 'none' as const;
      if (pending.attempts >= MAX_TRIES) {
        await this.verifications.remove(tx, userId);
        return 'exhausted' as const;
      }
      const expected = Buffer.from(pending.codeHash, 'hex');
      if (!timingSafeEqual(expected, Buffer.from(this.hash(userId, pending.phone, code), 'hex'))) {
        await this.verifications.countAttempt(tx, userId);
        return { wrong: MAX_TRIES - pending.attempts - 1 };
      }
      await this.users.setVerifiedPhone(tx, userId, pending.phone);
      await this.verifications.remove(tx, userId);
      return 'verified' as const;
    });
    if (outcome === 'none') throw badInput('code', 'no code is pending, or it expired: request a new one');
    if (outcome === 'exhausted') throw badInput('code', 'too many wrong codes: request a new one');
    if (outcome !== 'verified') throw new AppError('BAD_USER_INPUT', `code: wrong code; ${outcome.wrong} tries left`, { field: 'code', triesLeft: outcome.wrong });
    this.users.forget(ctx, userId);
    return (await this.users.byId(ctx, userId))!;
  }

  /** Bound to the person and the number: a code for one number proves nothing about another. */
  private hash(userId: string, phone: string, code: string): string {
    return createHmac('sha256', this.secret).update(`${userId}|${phone}|${code}`).digest('hex');
  }
}
