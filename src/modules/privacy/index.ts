// Decorated classes below need the metadata polyfill loaded first, whoever imports this module first.
import 'reflect-metadata';
import { hostname } from 'node:os';
import type { Config } from '../../config';
import type { ReplicaReads, Sql } from '../../platform/db';
import type { EventBus } from '../../platform/events';
import type { Logger } from '../../platform/logger';
import { PrivacyResolver } from './privacy.resolver';
import type { PrivacyEvents } from './privacy.events';
import { PrivacyService, type PrivacyPorts } from './privacy.service';
import { Retention, type Purge } from './retention';
import { RetentionRepository } from './retention.repository';

export type { PrivacyEvents, PrivacyPorts };

/** The privacy module's GraphQL resolvers (instances are made by createPrivacyModule). */
export const privacyResolvers = [PrivacyResolver] as const;

export function createPrivacyModule(deps: {
  sql: Sql;
  reads: ReplicaReads;
  config: Config;
  logger: Logger;
  events: EventBus<PrivacyEvents>;
  ports: PrivacyPorts;
  /** What each module purges past retention. */
  purges: readonly Purge[];
}) {
  const { config, sql } = deps;
  const service = new PrivacyService(sql, deps.reads, deps.events, deps.ports);
  const retention = new Retention(
    new RetentionRepository(sql),
    deps.purges,
    {
      everySeconds: config.RETENTION_EVERY_SECONDS,
      clientIpDays: config.RETENTION_CLIENT_IP_DAYS,
      sosLocationDays: config.RETENTION_SOS_LOCATION_DAYS,
      routeDays: config.RETENTION_ROUTE_DAYS,
      chatDays: config.RETENTION_CHAT_DAYS,
    },
    `${hostname()}:${process.pid}`,
    deps.logger,
  );
  return { service, retention, resolvers: [new PrivacyResolver(service)] };
}
