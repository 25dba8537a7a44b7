// Decorated classes below need the metadata polyfill loaded first, whoever imports this module first.
import 'reflect-metadata';
import type { Config } from '../../config';
import type { Sql } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import type { UsersService } from '../users';
import type { VolunteerSearch, VolunteersService } from '../volunteers';
import { SosMatching } from './sos.matching';
import { sosLoadersFactory } from './sos.loaders';
import { SosRepository } from './sos.repository';
import { SosAlertResolver, SosEventResolver, SosRequestResolver } from './sos-request.resolver';
import { SosResolver } from './sos.resolver';
import { SosScheduler } from './sos.scheduler';
import { SosService } from './sos.service';

export { SosResolver, SosRequestResolver, SosAlertResolver, SosEventResolver, SosService };

export function createSosModule(deps: { sql: Sql; config: Config; logger: Logger; users: UsersService; volunteers: VolunteersService; search: VolunteerSearch }) {
  const { config, logger } = deps;
  const repository = new SosRepository(deps.sql);
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
    { redisUrl: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX, sweepSeconds: config.SOS_SWEEP_SECONDS },
    logger,
  );
  const service = new SosService(repository, deps.sql, scheduler, deps.volunteers, sosLoadersFactory(repository), {
      perHour: config.SOS_PER_HOUR,
      spoofDistanceKm: config.SOS_SPOOF_DISTANCE_KM,
      fakeReportsToFlag: config.SOS_FAKE_REPORTS_TO_FLAG,
      cancellationShareToFlag: config.SOS_CANCELLED_PERCENT_TO_FLAG / 100,
      cancellationsMinimum: config.SOS_CANCELLED_MINIMUM,
    }, logger);
  return {
    service,
    scheduler,
    resolvers: [new SosResolver(service), new SosRequestResolver(service, deps.users, deps.volunteers), new SosAlertResolver(service), new SosEventResolver(service)],
  };
}
