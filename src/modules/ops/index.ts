// Decorated classes below need the metadata polyfill loaded first, whoever imports this module first.
import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../../config';
import type { Sql } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import { OpsRepository } from './ops.repository';
import { OpsResolver, opsFeeds } from './ops.resolver';
import { OpsService } from './ops.service';

/** The ops module's GraphQL resolvers (instances are made by createOpsModule). */
export const opsResolvers = [OpsResolver] as const;

/** At most this often the live overview is pushed (the figure). */
const PUSH_EVERY_MS = 2000;

/** Reads the SOS, alert and volunteer tables for staff; writes nothing. */
export function createOpsModule(sql: Sql, config: Config, logger: Logger) {
  const service = new OpsService(
    new OpsRepository(sql),
    { resolution: config.AREA_H3_RESOLUTION, staleSeconds: config.VOLUNTEER_STALE_SECONDS, everyMs: PUSH_EVERY_MS },
    logger,
  );
  return {
    service,
    resolvers: [new OpsResolver(service)],
    bindSchema: (schema: GraphQLSchema) => opsFeeds.bind(schema, service),
  };
}
