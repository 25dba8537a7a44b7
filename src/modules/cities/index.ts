// Decorated classes below need the metadata polyfill loaded first, whoever imports this module first.
import 'reflect-metadata';
import type { Config } from '../../config';
import type { Sql } from '../../platform/db';
import type { EventBus } from '../../platform/events';
import type { UsersService } from '../users';
import type { CitiesEvents } from './cities.events';
import { CitiesRepository } from './cities.repository';
import { CitiesResolver } from './cities.resolver';
import { CitiesService, type MatchingRules } from './cities.service';

export type { CitiesEvents, CitiesService, MatchingRules };
export type { CityRow } from './cities.repository';
export { City } from './types/city.type';
export { insideCitiesSql } from './city-sql';

/** The cities module's GraphQL resolvers (instances are made by createCitiesModule). */
export const citiesResolvers = [CitiesResolver] as const;

export function createCitiesModule(sql: Sql, config: Config, users: UsersService, events: EventBus<CitiesEvents>) {
  const service = new CitiesService(new CitiesRepository(sql), users, sql, events, {
    radiiMeters: config.SOS_RADII_METERS,
    alertsPerStep: config.SOS_ALERTS_PER_STEP,
    stepTimeoutSeconds: config.SOS_STEP_TIMEOUT_SECONDS,
    emergencyNumber: config.EMERGENCY_NUMBER,
  });
  return { service, resolvers: [new CitiesResolver(service)] };
}
