// Decorated classes below need the metadata polyfill loaded first, whoever imports this module first.
import 'reflect-metadata';
import type { Config } from '../../config';
import { AccessTokens } from '../../platform/auth';
import type { Db, Sql } from '../../platform/db';
import type { EventBus } from '../../platform/events';
import type { Logger } from '../../platform/logger';
import { FixedWindowLimiter } from '../../platform/rate-limit';
import type { Redis } from '../../platform/redis';
import type { UsersService } from '../users';
import { AuthPersonalData } from './auth-personal-data.repository';
import { AuthRepository } from './auth.repository';
import { AuthResolver } from './auth.resolver';
import type { AuthEvents } from './auth.events';
import { AuthService } from './auth.service';
import { PasswordReset } from './password-reset';
import { PasswordResetResolver } from './password-reset.resolver';

export { AuthService, type AccountSpec } from './auth.service';
export type { AuthEvents } from './auth.events';

/** The auth module's GraphQL resolvers (instances are made by createAuthModule). */
export const authResolvers = [AuthResolver, PasswordResetResolver] as const;

export function createAuthModule(deps: { db: Db; sql: Sql; redis: Redis; config: Config; logger: Logger; users: UsersService; tokens: AccessTokens; events: EventBus<AuthEvents> }) {
  const { db, sql, redis, config, logger } = deps;
  const window = config.LOGIN_FAILURE_WINDOW_SECONDS;
  const repository = new AuthRepository(db, sql);
  const service = new AuthService(
    repository,
    sql,
    deps.events,
    deps.users,
    deps.tokens,
    {
      loginFailuresPerAccount: new FixedWindowLimiter(redis, logger, 'login-account', config.LOGIN_FAILURES_PER_ACCOUNT, window),
      loginFailuresPerIp: new FixedWindowLimiter(redis, logger, 'login-ip', config.LOGIN_FAILURES_PER_IP, window),
      registrationsPerIp: new FixedWindowLimiter(redis, logger, 'register-ip', config.REGISTRATIONS_PER_IP_PER_HOUR, 3600),
    },
    { refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS, passwordHashCost: config.PASSWORD_HASH_COST },
    logger,
  );
  const passwordReset = new PasswordReset(
    repository,
    sql,
    deps.events,
    deps.users,
    {
      perEmail: new FixedWindowLimiter(redis, logger, 'reset-email', config.PASSWORD_RESETS_PER_EMAIL_PER_HOUR, 3600),
      perIp: new FixedWindowLimiter(redis, logger, 'reset-ip', config.PASSWORD_RESETS_PER_IP_PER_HOUR, 3600),
    },
    config.PASSWORD_HASH_COST,
    logger,
  );
  return { service, personalData: new AuthPersonalData(sql), resolvers: [new AuthResolver(service), new PasswordResetResolver(passwordReset)] };
}
