import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config';
import { AccessTokens } from '../platform/auth';
import type { Db, Sql } from '../platform/db';
import type { Logger } from '../platform/logger';
import type { Registry } from 'prom-client';
import type { Redis } from '../platform/redis';
import type { PubSub } from '../platform/pubsub';
import { createAuthModule } from '../modules/auth';
import { createChatModule } from '../modules/chat';
import { PresenceService } from '../modules/presence';
import { createUsersModule } from '../modules/users';
import { createSignalingModule } from '../modules/signaling';
import { createSosModule } from '../modules/sos';
import { createVolunteersModule } from '../modules/volunteers';

export interface Infrastructure {
  config: Config;
  db: Db;
  sql: Sql;
  redis: Redis;
  logger: Logger;
  /** Where modules register their Prometheus metrics. */
  registry: Registry;
  pubsub: PubSub;
}

/** Wires every module to the infrastructure and to the modules it depends on. */
export function createModules(infra: Infrastructure) {
  const tokens = new AccessTokens(infra.config.JWT_SECRET, infra.config.ACCESS_TOKEN_TTL_SECONDS);
  const users = createUsersModule(infra.db, infra.sql);
  const auth = createAuthModule({ ...infra, users: users.service, tokens });
  const volunteers = createVolunteersModule({ ...infra, users: users.service });
  const sos = createSosModule({ ...infra, users: users.service, volunteers: volunteers.service, search: volunteers.search });
  const presence = new PresenceService(infra.redis, infra.logger);
  const chat = createChatModule({ ...infra, users: users.service, sos: sos.service, presence });
  const signaling = createSignalingModule({ ...infra, chat: chat.service, sos: sos.service });
  return {
    tokens,
    users: users.service,
    auth: auth.service,
    volunteers: volunteers.service,
    volunteerSearch: volunteers.search,
    presence,
    sos: sos.service,
    sosScheduler: sos.scheduler,
    chat: chat.service,
    /** Stops background work (timers, workers): the server on shutdown, scripts when done. */
    close: async () => {
      chat.close();
      await Promise.all([presence.close(), sos.scheduler.close()]);
    },
    /** Binds what the schema's subscriptions need once the schema exists. */
    bindSchema: (schema: GraphQLSchema) => {
      sos.bindSchema(schema);
      chat.bindSchema(schema);
      signaling.bindSchema(schema);
    },
    resolvers: [...users.resolvers, ...auth.resolvers, ...volunteers.resolvers, ...sos.resolvers, ...chat.resolvers, ...signaling.resolvers],
  };
}

export type Modules = ReturnType<typeof createModules>;
