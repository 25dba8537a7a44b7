// Decorated classes below need the metadata polyfill loaded first, whoever imports this module first.
import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../../config';
import type { Sql } from '../../platform/db';
import { distanceMeters } from '../../platform/geo';
import type { Logger } from '../../platform/logger';
import type { PubSub } from '../../platform/pubsub';
import type { UsersService } from '../users';
import type { VolunteerSearch, VolunteersService } from '../volunteers';
import { SosDisconnections } from './sos.disconnections';
import { SosAnnouncer } from './sos.events';
import { SosFeeds } from './sos.feeds';
import { SosMatching } from './sos.matching';
import { sosLoadersFactory } from './sos.loaders';
import { SosRepository } from './sos.repository';
import { SosAlertResolver, SosEventResolver, SosRequestResolver } from './sos-request.resolver';
import { SosResolver } from './sos.resolver';
import { SosSubscriptionsResolver, sosFeeds } from './sos.subscriptions.resolver';
import { SosScheduler } from './sos.scheduler';
import { SosService } from './sos.service';

export { SosResolver, SosRequestResolver, SosAlertResolver, SosEventResolver, SosSubscriptionsResolver, SosService };
export { SosRequest } from './types/sos-request.type';
export type { SosRow } from './sos.repository';

export function createSosModule(deps: {
  sql: Sql;
  config: Config;
  logger: Logger;
  pubsub: PubSub;
  users: UsersService;
  volunteers: VolunteersService;
  search: VolunteerSearch;
}) {
  const { config, logger } = deps;
  const repository = new SosRepository(deps.sql);
  const announcer = new SosAnnouncer(deps.pubsub);
  const disconnections = new SosDisconnections(
    repository,
    deps.sql,
    deps.volunteers,
    announcer,
    { heartbeatTimeoutSeconds: config.VOLUNTEER_HEARTBEAT_TIMEOUT_SECONDS, disconnectionsToFlag: config.VOLUNTEER_DISCONNECTIONS_TO_FLAG },
    logger,
  );
  const matching = new SosMatching(
    repository,
    deps.sql,
    deps.search,
    deps.volunteers,
    {
      radiiMeters: config.SOS_RADII_METERS,
      alertsPerStep: config.SOS_ALERTS_PER_STEP,
      stepTimeoutSeconds: config.SOS_STEP_TIMEOUT_SECONDS,
      alertsPerHour: config.VOLUNTEER_ALERTS_PER_HOUR,
    },
    logger,
  );
  const scheduler = new SosScheduler(
    matching,
    repository,
    disconnections,
    announcer,
    { redisUrl: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX, sweepSeconds: config.SOS_SWEEP_SECONDS },
    logger,
  );
  const service = new SosService(repository, deps.sql, scheduler, deps.volunteers, sosLoadersFactory(repository), announcer, {
      perHour: config.SOS_PER_HOUR,
      spoofDistanceKm: config.SOS_SPOOF_DISTANCE_KM,
      fakeReportsToFlag: config.SOS_FAKE_REPORTS_TO_FLAG,
      cancellationShareToFlag: config.SOS_CANCELLED_PERCENT_TO_FLAG / 100,
      cancellationsMinimum: config.SOS_CANCELLED_MINIMUM,
    }, logger);
  const feeds = new SosFeeds(service, repository, deps.volunteers, deps.pubsub);
  // The requester of an SOS in progress may see where its volunteer last was.
  deps.volunteers.grantLocationAccess((ctx, volunteerId) => service.isHelpedBy(ctx, volunteerId));
  // The assigned volunteer's fixes go to whoever watches the SOS, with the distance still to go.
  deps.volunteers.onAssignedLocation(async ({ volunteerId, sosId, location, at }) => {
    const [sos] = await repository.findByIds([sosId]);
    if (!sos) return;
    await announcer.location({
      sosId,
      volunteerId,
      location: { latitude: location.latitude, longitude: location.longitude },
      headingDegrees: location.headingDegrees ?? null,
      speedMps: location.speedMps ?? null,
      distanceMeters: distanceMeters(location, sos),
      at,
    });
  });
  return {
    service,
    scheduler,
    bindSchema: (schema: GraphQLSchema) => sosFeeds.bind(schema, feeds),
    resolvers: [
      new SosResolver(service),
      new SosRequestResolver(service, deps.users, deps.volunteers),
      new SosAlertResolver(service),
      new SosEventResolver(service),
      new SosSubscriptionsResolver(),
    ],
  };
}
