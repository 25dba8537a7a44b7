import { createHash, randomUUID } from 'node:crypto';
import { AccessTokens, Role, accountSuspended, hashPassword, hashRefreshToken, newRefreshToken, verifyPassword, type Context } from '../../platform/auth';
import { inTransaction, isUniqueViolation, type Queryable, type Sql } from '../../platform/db';
import type { EventBus } from '../../platform/events';
import { AppError, rateLimited, unauthenticated } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import type { FixedWindowLimiter } from '../../platform/rate-limit';
import { isSuspended, normalizeEmail, type UserRow, type UsersService } from '../users';
import type { AuthRepository } from './auth.repository';
import type { AuthEvents } from './auth.events';

export interface Session {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  user: UserRow;
}

export interface AuthLimiters {
  loginFailuresPerAccount: FixedWindowLimiter;
  loginFailuresPerIp: FixedWindowLimiter;
  registrationsPerIp: FixedWindowLimiter;
}

export interface AuthSettings {
  refreshTokenTtlSeconds: number;
  passwordHashCost: number;
}

export interface AccountSpec {
  email: string;
  password: string;
  displayName: string;
  phone?: string | null;
  role: Role;
}

const INVALID_CREDENTIALS = 'Invalid email or password';

export class AuthService {
  /** Verified against when the email is unknown, so a login takes as long either way (no account probing by timing). */
  private decoyHash?: Promise<string>;

  constructor(
    private readonly repository: AuthRepository,
    private readonly sql: Sql,
    private readonly events: EventBus<AuthEvents>,
    private readonly users: UsersService,
    private readonly tokens: AccessTokens,
    private readonly limiters: AuthLimiters,
    private readonly settings: AuthSettings,
    private readonly logger: Logger,
  ) {}

  async register(ctx: Context, input: { email: string; password: string; displayName: string; phone?: string | null }): Promise<Session> {
    const email = normalizeEmail(input.email, 'email');
    const attempt = await this.limiters.registrationsPerIp.hit(networkKey(ctx.clientIp));
    if (this.limiters.registrationsPerIp.isExceeded(attempt)) {
      throw rateLimited('Too many registrations from this network; try again later', attempt.retryAfterSeconds);
    }
    const user = await this.createAccount({ ...input, email, role: Role.USER });
    this.logger.info({ userId: user.id }, 'account registered');
    return this.startSession(ctx, user);
  }

  async login(ctx: Context, input: { email: string; password: string }): Promise<Session> {
    const email = normalizeEmail(input.email, 'email');
    const account = accountKey(email);
    const network = networkKey(ctx.clientIp);
    const { loginFailuresPerAccount: perAccount, loginFailuresPerIp: perIp } = this.limiters;
    // Every attempt counts as a failure until it succeeds: counting only after the ~100 ms of
    // hashing would let hundreds of concurrent guesses through before the first one counted.
    const [accountState, ipState] = await Promise.all([perAccount.hit(account), perIp.hit(network)]);
    if (perAccount.isFirstRefusal(accountState)) {
      // The attempt that locked the account out (once per window): the audit log notes whose.
      const locked = await this.users.findByEmail(email);
      if (locked) await this.events.emit('auth.loginLockedOut', { userId: locked.id, clientIp: ctx.clientIp, retryAfterSeconds: accountState.retryAfterSeconds });
    }
    for (const [limiter, state] of [[perAccount, accountState], [perIp, ipState]] as const) {
      if (limiter.isExceeded(state)) throw rateLimited('Too many failed sign-in attempts; try again later', state.retryAfterSeconds);
    }

    const user = await this.users.findByEmail(email);
    const hash = (user && (await this.repository.passwordHashOf(user.id))) ?? (await this.decoy());
    const valid = await verifyPassword(input.password, hash);
    if (!user || !valid) {
      this.logger.info({ reason: user ? 'wrong password' : 'unknown email' }, 'login failed');
      throw unauthenticated(INVALID_CREDENTIALS);
    }
    await Promise.all([perAccount.reset(account), perIp.undo(network)]);
    return this.startSession(ctx, user);
  }

  /**
   * Rotates a refresh token. A token presented twice means it was copied: the whole family
   * (every token descended from that sign-in) is revoked, which signs out the thief and the
   * owner alike; the owner signs in again, the thief cannot. The family is locked while this
   * happens, so a reuse racing a rotation still revokes the token the rotation creates.
   */
  async refresh(ctx: Context, refreshToken: string): Promise<Session> {
    const hash = hashRefreshToken(refreshToken);
    const found = await this.repository.findRefreshToken(hash);
    if (!found || found.revokedAt) throw unauthenticated('Session expired; sign in again');
    const outcome = await this.events.transaction(this.sql, async (tx, { emit }) => {
      await this.repository.lockFamily(tx, found.familyId);
      const row = await this.repository.findRefreshToken(hash, tx);
      if (!row || row.revokedAt) return 'revoked' as const;
      if (row.usedAt) {
        const revoked = await this.repository.revokeFamily(row.familyId, tx);
        this.logger.warn({ userId: row.userId, familyId: row.familyId, revoked }, 'refresh token reused; session family revoked');
        await emit('auth.refreshTokenReused', { userId: row.userId, familyId: row.familyId, revoked });
        return 'revoked' as const;
      }
      if (row.expiresAt.getTime() <= Date.now()) return 'revoked' as const;
      await this.repository.markUsed(tx, row.id);
      const user = await this.users.byId(ctx, row.userId);
      if (!user) return 'revoked' as const;
      return this.startSession(ctx, user, row.familyId, tx);
    });
    if (outcome === 'revoked') throw unauthenticated('Session expired; sign in again');
    return outcome;
  }

  /** Ends the session the token belongs to. Unknown tokens are fine: signing out is idempotent. */
  /**
   * Whether this is the person's password (they confirm a grave step with it, e.g. deleting their
   * account). Each try counts against the account as a failed sign-in does, so a stolen access
   * token cannot be used to guess the password (RATE_LIMITED once too many).
   */
  async isPassword(userId: string, password: string): Promise<boolean> {
    const email = await this.users.emailOf(userId);
    if (!email) return false;
    const account = accountKey(email);
    const { loginFailuresPerAccount: perAccount } = this.limiters;
    const state = await perAccount.hit(account);
    if (perAccount.isExceeded(state)) throw rateLimited('Too many wrong passwords; try again later', state.retryAfterSeconds);
    const hash = (await this.repository.passwordHashOf(userId)) ?? (await this.decoy());
    const valid = await verifyPassword(password, hash);
    if (valid) await perAccount.reset(account);
    return valid;
  }

  async logout(refreshToken: string): Promise<boolean> {
    const row = await this.repository.findRefreshToken(hashRefreshToken(refreshToken));
    if (row) await this.repository.revokeFamily(row.familyId);
    return true;
  }

  /**
   * Creates the account, or brings an existing one to the given name, role and password
   * (`npm run user:create`, the seed). Never reachable from the API.
   */
  async ensureAccount(spec: AccountSpec): Promise<UserRow> {
    const email = normalizeEmail(spec.email);
    const existing = await this.users.findByEmail(email);
    if (!existing) return this.createAccount({ ...spec, email });
    const passwordHash = await hashPassword(spec.password, this.settings.passwordHashCost);
    return inTransaction(this.sql, async (tx) => {
      await this.repository.setPasswordHash(tx, existing.id, passwordHash);
      return this.users.update(tx, existing.id, { displayName: spec.displayName.trim(), role: spec.role });
    });
  }

  private async createAccount(spec: AccountSpec): Promise<UserRow> {
    const passwordHash = await hashPassword(spec.password, this.settings.passwordHashCost);
    try {
      return await inTransaction(this.sql, async (tx) => {
        const user = await this.users.create(tx, { email: spec.email, displayName: spec.displayName.trim(), phone: spec.phone ?? null, role: spec.role });
        await this.repository.setPasswordHash(tx, user.id, passwordHash);
        return user;
      });
    } catch (err) {
      if (isUniqueViolation(err, 'email')) throw new AppError('CONFLICT', 'email: an account with this email already exists', { field: 'email' });
      throw err;
    }
  }

  /** Every way in (register, login, refresh) comes here: a suspended account gets no new tokens. */
  private async startSession(ctx: Context, user: UserRow, familyId: string = randomUUID(), client?: Queryable): Promise<Session> {
    if (isSuspended(user)) throw accountSuspended();
    const refresh = newRefreshToken();
    await this.repository.addRefreshToken(
      {
        userId: user.id,
        familyId,
        tokenHash: refresh.hash,
        expiresAt: new Date(Date.now() + this.settings.refreshTokenTtlSeconds * 1000),
      },
      client,
    );
    const access = this.tokens.issue(user.id, user.role);
    ctx.actAs(user.id);
    return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken: refresh.token, user };
  }

  private decoy(): Promise<string> {
    this.decoyHash ??= hashPassword(randomUUID(), this.settings.passwordHashCost);
    return this.decoyHash;
  }
}

/** An IPv6 client usually holds a whole /64: limits per address would be limits per nothing. */
function networkKey(ip: string): string {
  if (!ip.includes(':') || ip.startsWith('::ffff:')) return ip;
  const [head] = ip.split('::');
  const groups = head.split(':').filter(Boolean);
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/** Limiter keys never hold the raw email. */
function accountKey(email: string): string {
  return createHash('sha256').update(email).digest('base64url').slice(0, 22);
}
