import 'reflect-metadata';
import type { Config } from '../config';
import { AccessTokens } from '../platform/auth';
import type { Db, Sql } from '../platform/db';
import type { Logger } from '../platform/logger';
import type { Redis } from '../platform/redis';
import { createAuthModule } from '../modules/auth';
import { createUsersModule } from '../modules/users';

export interface Infrastructure {
  config: Config;
  db: Db;
  sql: Sql;
  redis: Redis;
  logger: Logger;
}

/** Wires every module to the infrastructure and to the modules it depends on. */
export function createModules(infra: Infrastructure) {
  const tokens = new AccessTokens(infra.config.JWT_SECRET, infra.config.ACCESS_TOKEN_TTL_SECONDS);
  const users = createUsersModule(infra.db, infra.sql);
  const auth = createAuthModule({ ...infra, users: users.service, tokens });
  return {
    tokens,
    users: users.service,
    auth: auth.service,
    resolvers: [...users.resolvers, ...auth.resolvers],
  };
}

export type Modules = ReturnType<typeof createModules>;
