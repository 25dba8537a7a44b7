import { createHash, randomBytes } from 'node:crypto';
import type { Context } from '../../platform/auth';
import { hashPassword } from '../../platform/auth';
import type { Sql } from '../../platform/db';
import type { EventBus } from '../../platform/events';
import { badInput, rateLimited } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import type { FixedWindowLimiter } from '../../platform/rate-limit';
import { normalizeEmail, type UsersService } from '../users';
import type { AuthEvents } from './auth.events';
import type { AuthRepository } from './auth.repository';

/** A reset token is good for 30 minutes, once. */
const TOKEN_TTL_SECONDS = 30 * 60;

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Forgotten passwords: a single-use token mailed to the account's address (through the
 * notifications outbox, which hears of it in the same transaction). Asking answers the same
 * whether or not the address has an account, and a new password signs the person out everywhere.
 */
export class PasswordReset {
  constructor(
    private readonly repository: AuthRepository,
    private readonly sql: Sql,
    private readonly events: EventBus<AuthEvents>,
    private readonly users: UsersService,
    private readonly limits: { perEmail: FixedWindowLimiter; perIp: FixedWindowLimiter },
    private readonly passwordHashCost: number,
    private readonly logger: Logger,
  ) {}

  async request(ctx: Context, emailInput: string): Promise<void> {
    const email = normalizeEmail(emailInput, 'email');
    // Counted per address whether or not it has an account: the limit must not tell either.
    for (const [limiter, subject] of [
      [this.limits.perEmail, tokenHash(email)],
      [this.limits.perIp, ctx.clientIp],
    ] as const) {
      const hit = await limiter.hit(subject);
      if (limiter.isExceeded(hit)) throw rateLimited('Too many password resets asked for; try again later', hit.retryAfterSeconds);
    }
    const user = await this.users.findByEmail(email);
    if (!user) {
      this.logger.info('password reset asked for an unknown address');
      return;
    }
    const token = randomBytes(32).toString('base64url');
    await this.events.transaction(this.sql, async (tx, { emit }) => {
      await this.repository.addPasswordReset(tx, user.id, tokenHash(token), TOKEN_TTL_SECONDS);
      await emit('auth.passwordResetRequested', { userId: user.id, token });
    });
    this.logger.info({ userId: user.id }, 'password reset mailed');
  }

  async reset(token: string, newPassword: string): Promise<void> {
    const passwordHash = await hashPassword(newPassword, this.passwordHashCost);
    const userId = await this.events.transaction(this.sql, async (tx) => {
      const owner = await this.repository.consumePasswordReset(tx, tokenHash(token.trim()));
      if (!owner) return null;
      await this.repository.setPasswordHash(tx, owner, passwordHash);
      await this.repository.revokeAllSessions(tx, owner);
      return owner;
    });
    if (!userId) throw badInput('token', 'is unknown, used or expired: ask for a new one');
    this.logger.info({ userId }, 'password reset; every session signed out');
  }
}
