// Decorated classes below need the metadata polyfill loaded first, whoever imports this module first.
import 'reflect-metadata';
import type { Config } from '../../config';
import { AccessTokens } from '../../platform/auth';
import type { Db, Sql } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import { FixedWindowLimiter } from '../../platform/rate-limit';
import type { Redis } from '../../platform/redis';
import type { UsersService } from '../users';
import { AuthRepository } from './auth.repository';
import { AuthResolver } from './auth.resolver';
import { AuthService } from './auth.service';

export { AuthService, type AccountSpec } from './auth.service';

/** The auth module's GraphQL resolvers (instances are made by createAuthModule). */
export const authResolvers = [AuthResolver] as const;

export function createAuthModule(deps: { db: Db; sql: Sql; redis: Redis; config: Config; logger: Logger; users: UsersService; tokens: AccessTokens }) {
  const { db, sql, redis, config, logger } = deps;
  const window = config.LOGIN_FAILURE_WINDOW_SECONDS;
  const service = new AuthService(
    new AuthRepository(db, sql),
    sql,
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
  return { service, resolvers: [new AuthResolver(service)] };
}
