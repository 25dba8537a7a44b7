// Decorated classes below need the metadata polyfill loaded first, whoever imports this module first.
import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import type { Registry } from 'prom-client';
import type { Config } from '../../config';
import type { ReplicaReads, Sql, Tx } from '../../platform/db';
import type { Emitter, EventBus } from '../../platform/events';
import { FixThrottle } from '../../platform/geo';
import type { Logger } from '../../platform/logger';
import type { PubSub } from '../../platform/pubsub';
import { redisTarget, type Redis } from '../../platform/redis';
import type { CitiesService } from '../cities';
import type { FlagRaiser } from '../moderation';
import { isSuspended, type UsersService } from '../users';
import type { VolunteerSearch, VolunteersService } from '../volunteers';
import { SosAccess } from './sos.access';
import { SosAlertsRepository } from './sos-alerts.repository';
import { SosAnnouncer } from './sos.announcer';
import { SosDisconnections } from './sos.disconnections';
import type { SosEvents } from './sos.events';
import { SosFeeds } from './sos.feeds';
import { SosIntake } from './sos.intake';
import { SosLifecycle } from './sos.lifecycle';
import { SosLocationRelay } from './sos.location-relay';
import { SosMatching, type RulesOf } from './sos.matching';
import { OutageIntake } from './sos.outage-intake';
import { OutageJournal } from './sos.outage-journal';
import { OutageReplay } from './sos.outage-replay';
import { sosLoadersFactory } from './sos.loaders';
import { SosPersonalData } from './sos-personal-data.repository';
import { SosRepository } from './sos.repository';
import { SosAlertResolver, SosEventResolver, SosRequestResolver } from './sos-request.resolver';
import { SosResolver } from './sos.resolver';
import { SosSubscriptionsResolver, sosFeeds } from './sos.subscriptions.resolver';
import { loadIpLocations } from './spoof-check';
import { SosScheduler } from './sos.scheduler';
import { SosService } from './sos.service';

export { SosService };
export { SosRequest } from './types/sos-request.type';
export type { SosRow } from './sos.repository';
export type { SosEvents, SosChange } from './sos.events';

/** The SOS module's GraphQL resolvers (instances are made by createSosModule). */
export const sosResolvers = [SosResolver, SosRequestResolver, SosAlertResolver, SosEventResolver, SosSubscriptionsResolver] as const;

export function createSosModule(deps: {
  sql: Sql;
  reads: ReplicaReads;
  redis: Redis;
  config: Config;
  logger: Logger;
  registry: Registry;
  pubsub: PubSub;
  events: EventBus<SosEvents>;
  users: UsersService;
  volunteers: VolunteersService;
  search: VolunteerSearch;
  flags: FlagRaiser;
  cities: CitiesService;
}) {
  const { config, logger, sql, events, volunteers } = deps;
  const repository = new SosRepository(sql, deps.reads);
  const alerts = new SosAlertsRepository(sql);
  const announcer = new SosAnnouncer(deps.pubsub);
  // Subscribers of an SOS hear of every committed change; other modules listen in the composition root.
  events.on('sos.changed', (change) => announcer.announce(change));

  const loaders = sosLoadersFactory(repository, alerts);
  const access = new SosAccess(volunteers, (ctx, sosId, volunteerId) => ctx.loaders.get(loaders).alerted.load(`${sosId}:${volunteerId}`));
  const disconnections = new SosDisconnections(repository, alerts, sql, events, volunteers, { heartbeatTimeoutSeconds: config.VOLUNTEER_HEARTBEAT_TIMEOUT_SECONDS }, logger);
  // An SOS follows its city's matching rules (the deployment's outside every city).
  const rulesOf: RulesOf = (cityId) => deps.cities.rulesFor(cityId);
  const matching = new SosMatching(
    repository,
    alerts,
    sql,
    events,
    deps.search,
    volunteers,
    rulesOf,
    {
      alertsPerHour: config.VOLUNTEER_ALERTS_PER_HOUR,
      matchUnverified: config.MATCH_UNVERIFIED_VOLUNTEERS,
    },
    logger,
  );
  const scheduler = new SosScheduler(
    matching,
    repository,
    disconnections,
    { redis: redisTarget(config), keyPrefix: config.REDIS_KEY_PREFIX, sweepSeconds: config.SOS_SWEEP_SECONDS, concurrency: config.SOS_MATCHING_CONCURRENCY, queueLength: config.SOS_MATCHING_QUEUE_LENGTH },
    deps.registry,
    logger,
  );
  const journal = new OutageJournal(deps.redis);
  const outage = new OutageIntake(
    journal,
    volunteers,
    deps.pubsub,
    {
      firstRadiusMeters: config.SOS_RADII_METERS[0],
      alertsPerStep: config.SOS_ALERTS_PER_STEP,
      stepTimeoutSeconds: config.SOS_STEP_TIMEOUT_SECONDS,
      matchUnverified: config.MATCH_UNVERIFIED_VOLUNTEERS,
    },
    logger,
  );
  // An SOS whose volunteer was taken off it (silent, suspended, by staff) is matched again at
  // once. Not awaited: the events still to be told about the change go out first.
  events.on('sos.volunteerDropped', ({ sosId }) => {
    scheduler.run(sosId).catch((err: unknown) => logger.error({ sosId, err: { message: (err as Error).message } }, 'matching again did not start; the sweeper will start it'));
  });
  const intake = new SosIntake(repository, sql, events, scheduler, outage, deps.flags, { perHour: config.SOS_PER_HOUR, spoofDistanceKm: config.SOS_SPOOF_DISTANCE_KM }, logger);
  const lifecycle = new SosLifecycle(
    repository,
    alerts,
    sql,
    events,
    access,
    volunteers,
    deps.flags,
    outage,
    scheduler,
    rulesOf,
    async (ctx, userId) => {
      const user = await deps.users.userById(ctx, userId);
      return user !== null && isSuspended(user);
    },
    {
      fakeReportsToFlag: config.SOS_FAKE_REPORTS_TO_FLAG,
      cancellationShareToFlag: config.SOS_CANCELLED_PERCENT_TO_FLAG / 100,
      cancellationsMinimum: config.SOS_CANCELLED_MINIMUM,
    },
    logger,
  );
  const replay = new OutageReplay(journal, repository, alerts, sql, events, lifecycle, scheduler, deps.flags, logger);
  const service = new SosService(repository, alerts, access, volunteers, loaders, outage, events);
  const feeds = new SosFeeds(service, repository, alerts, volunteers, deps.pubsub, outage);
  return {
    service,
    /** The SOS people raised and the alerts they received: their export, retention, and a requester's erasure. */
    personalData: new SosPersonalData(sql),
    /** Matching's job worker and sweeper, and the outage journal's replayer (the API server runs them; scripts do not). */
    background: {
      start: () => {
        loadIpLocations();
        scheduler.start();
        replay.start();
      },
      close: () => {
        replay.stop();
        return scheduler.close();
      },
    },
    /** Takes a volunteer whose account is being suspended off what they were offered or on (wired to `user.suspended`). */
    standDownVolunteer: (tx: Tx, emit: Emitter<SosEvents>['emit'], volunteer: { id: string; userId: string }) => disconnections.standDown(tx, emit, volunteer),
    /** Streams an assigned volunteer's fixes to whoever follows their SOS (wired to `volunteer.locationFixed`). */
    locationRelay: new SosLocationRelay(repository, announcer, volunteers, new FixThrottle(config.SOS_ROUTE_INTERVAL_SECONDS * 1000, config.SOS_ROUTE_METERS), logger),
    bindSchema: (schema: GraphQLSchema) => sosFeeds.bind(schema, feeds),
    resolvers: [
      new SosResolver(service, intake, lifecycle),
      new SosRequestResolver(service, deps.users, volunteers, deps.cities),
      new SosAlertResolver(service, volunteers),
      new SosEventResolver(service),
      new SosSubscriptionsResolver(),
    ],
  };
}
