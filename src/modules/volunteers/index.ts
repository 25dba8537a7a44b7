// Decorated classes below need the metadata polyfill loaded first, whoever imports this module first.
import 'reflect-metadata';
import type { Registry } from 'prom-client';
import type { Config } from '../../config';
import type { Db, Sql } from '../../platform/db';
import type { EventBus } from '../../platform/events';
import { FixThrottle } from '../../platform/geo';
import type { Logger } from '../../platform/logger';
import type { Redis } from '../../platform/redis';
import type { FlagRaiser } from '../moderation';
import type { UsersService } from '../users';
import { VolunteerIndex } from './volunteer-index';
import { UserVolunteerResolver, VolunteerProfileResolver } from './volunteer-profile.resolver';
import { VolunteerSearch } from './volunteer-search';
import { volunteerLoadersFactory } from './volunteers.loaders';
import { VolunteersRepository } from './volunteers.repository';
import { VolunteersResolver } from './volunteers.resolver';
import type { VolunteerEvents } from './volunteers.events';
import { VolunteersService } from './volunteers.service';

export { VolunteersService, VolunteerSearch };

/** The volunteers module's GraphQL resolvers (instances are made by createVolunteersModule). */
export const volunteersResolvers = [VolunteersResolver, VolunteerProfileResolver, UserVolunteerResolver] as const;
export { VolunteerProfile } from './types/volunteer-profile.type';
export { GeoPoint } from './types/geo-point.type';
export { GeoPointInput } from './types/geo-point.input';
export { Skill } from './types/skill';
export type { NearbyHit, VolunteerRow, LocationFix } from './volunteers.repository';
export type { VolunteerEvents } from './volunteers.events';

export function createVolunteersModule(deps: {
  db: Db;
  sql: Sql;
  redis: Redis;
  config: Config;
  logger: Logger;
  registry: Registry;
  events: EventBus<VolunteerEvents>;
  users: UsersService;
  flags: FlagRaiser;
}) {
  const { config, logger } = deps;
  const repository = new VolunteersRepository(deps.db, deps.sql);
  const index = new VolunteerIndex(deps.redis);
  const search = new VolunteerSearch(index, repository, config.VOLUNTEER_STALE_SECONDS, logger, deps.registry);
  const service = new VolunteersService(
    deps.sql,
    deps.events,
    repository,
    index,
    search,
    new FixThrottle(config.VOLUNTEER_LOCATION_PERSIST_SECONDS * 1000, config.VOLUNTEER_LOCATION_PERSIST_METERS),
    deps.users,
    deps.flags,
    volunteerLoadersFactory(repository, index),
    {
      staleSeconds: config.VOLUNTEER_STALE_SECONDS,
      liveSeconds: config.PRESENCE_LIVE_SECONDS,
      assignedIntervalSeconds: config.LOCATION_INTERVAL_ASSIGNED_SECONDS,
      idleIntervalSeconds: config.LOCATION_INTERVAL_IDLE_SECONDS,
      disconnectionsToFlag: config.VOLUNTEER_DISCONNECTIONS_TO_FLAG,
    },
    logger,
  );
  return {
    service,
    search,
    resolvers: [new VolunteersResolver(service), new VolunteerProfileResolver(service, deps.users), new UserVolunteerResolver(service)],
  };
}
