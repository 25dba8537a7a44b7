// Decorated classes below need the metadata polyfill loaded first, whoever imports this module first.
import 'reflect-metadata';
import type { Registry } from 'prom-client';
import type { Config } from '../../config';
import type { Db, Sql } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import type { Redis } from '../../platform/redis';
import type { UsersService } from '../users';
import { PersistThrottle } from './persist-throttle';
import { VolunteerIndex } from './volunteer-index';
import { UserVolunteerResolver, VolunteerProfileResolver } from './volunteer-profile.resolver';
import { VolunteerSearch } from './volunteer-search';
import { volunteerLoadersFactory } from './volunteers.loaders';
import { VolunteersRepository } from './volunteers.repository';
import { VolunteersResolver } from './volunteers.resolver';
import { VolunteersService } from './volunteers.service';

export { VolunteersResolver, VolunteerProfileResolver, UserVolunteerResolver, VolunteersService, VolunteerSearch };
export { VolunteerProfile } from './types/volunteer-profile.type';
export { GeoPoint } from './types/geo-point.type';
export { GeoPointInput } from './types/geo-point.input';
export { Skill } from './types/skill';
export type { NearbyHit, VolunteerRow, LocationFix } from './volunteers.repository';

export function createVolunteersModule(deps: { db: Db; sql: Sql; redis: Redis; config: Config; logger: Logger; registry: Registry; users: UsersService }) {
  const { config, logger } = deps;
  const repository = new VolunteersRepository(deps.db, deps.sql);
  const index = new VolunteerIndex(deps.redis);
  const search = new VolunteerSearch(index, repository, config.VOLUNTEER_STALE_SECONDS, logger, deps.registry);
  const service = new VolunteersService(
    deps.db,
    repository,
    index,
    search,
    new PersistThrottle(config.VOLUNTEER_LOCATION_PERSIST_SECONDS * 1000, config.VOLUNTEER_LOCATION_PERSIST_METERS),
    deps.users,
    volunteerLoadersFactory(repository, index),
    {
      staleSeconds: config.VOLUNTEER_STALE_SECONDS,
      liveSeconds: config.PRESENCE_LIVE_SECONDS,
      assignedIntervalSeconds: config.LOCATION_INTERVAL_ASSIGNED_SECONDS,
      idleIntervalSeconds: config.LOCATION_INTERVAL_IDLE_SECONDS,
    },
    logger,
  );
  return {
    service,
    search,
    resolvers: [new VolunteersResolver(service), new VolunteerProfileResolver(service, deps.users), new UserVolunteerResolver(service)],
  };
}
