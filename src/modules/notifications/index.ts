// Decorated classes below need the metadata polyfill loaded first, whoever imports this module first.
import 'reflect-metadata';
import type { Registry } from 'prom-client';
import type { Config } from '../../config';
import type { Sql } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import type { UsersService } from '../users';
import type { VolunteersService } from '../volunteers';
import { DevicesRepository } from './devices.repository';
import { DevicesResolver } from './devices.resolver';
import { DevicesService } from './devices.service';
import { NotificationDelivery, type Presence } from './notifications.delivery';
import { NotificationDispatcher } from './notifications.dispatcher';
import { NotificationOutbox } from './notifications.outbox';
import { NotificationsRepository } from './notifications.repository';
import { ApnsProvider } from './providers/apns';
import { FcmProvider, type FcmServiceAccount } from './providers/fcm';
import { PushChannel } from './push.channel';

/** The notifications module's GraphQL resolvers (instances are made by createNotificationsModule). */
export const notificationsResolvers = [DevicesResolver] as const;

export function createNotificationsModule(deps: {
  sql: Sql;
  config: Config;
  logger: Logger;
  registry: Registry;
  users: UsersService;
  volunteers: VolunteersService;
  presence: Presence;
}) {
  const { config, logger, sql } = deps;
  const devices = new DevicesRepository(sql);
  const repository = new NotificationsRepository(sql);
  const push = new PushChannel(
    {
      fcm: config.FCM_SERVICE_ACCOUNT_JSON ? new FcmProvider(JSON.parse(config.FCM_SERVICE_ACCOUNT_JSON) as FcmServiceAccount, config.FCM_BASE_URL) : null,
      apns: config.APNS_KEY_ID
        ? new ApnsProvider({ keyId: config.APNS_KEY_ID, teamId: config.APNS_TEAM_ID, privateKey: config.APNS_PRIVATE_KEY, bundleId: config.APNS_BUNDLE_ID }, config.APNS_BASE_URL)
        : null,
    },
    deps.registry,
    logger,
  );
  const delivery = new NotificationDelivery(repository, devices, push, deps.presence, deps.registry, logger);
  const dispatcher = new NotificationDispatcher(
    delivery,
    repository,
    { redisUrl: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX, concurrency: config.NOTIFY_CONCURRENCY, sweepSeconds: config.NOTIFY_SWEEP_SECONDS },
    deps.registry,
    logger,
  );
  return {
    /** Writes notifications in the transactions of the changes that cause them (wired to SOS events in the composition root). */
    outbox: new NotificationOutbox(repository, deps.volunteers, deps.users, dispatcher),
    /** Which providers are on and off (no credentials), for /readyz and the boot log. */
    channels: () => push.status(),
    background: {
      start: () => {
        const off = Object.entries(push.status()).filter(([, state]) => state === 'off').map(([provider]) => provider);
        if (off.length > 0) logger.warn({ off }, 'push providers off (no credentials): notifications for their devices are skipped');
        dispatcher.start();
      },
      close: async () => {
        await dispatcher.close();
        await push.close();
      },
    },
    resolvers: [new DevicesResolver(new DevicesService(devices, logger))],
  };
}
