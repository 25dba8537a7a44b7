// Decorated classes below need the metadata polyfill loaded first, whoever imports this module first.
import 'reflect-metadata';
import type { Registry } from 'prom-client';
import type { Config } from '../../config';
import type { Sql } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import { FixedWindowLimiter } from '../../platform/rate-limit';
import { redisTarget, type Redis } from '../../platform/redis';
import type { UsersService } from '../users';
import type { VolunteersService } from '../volunteers';
import { DevicesRepository } from './devices.repository';
import { DevicesResolver } from './devices.resolver';
import { DevicesService } from './devices.service';
import { DeadLettersResolver } from './dead-letters.resolver';
import { NotificationDelivery, type DeliveryPorts } from './notifications.delivery';
import { NotificationDispatcher } from './notifications.dispatcher';
import { NotificationOutbox } from './notifications.outbox';
import { NotificationsPersonalData } from './notifications-personal-data.repository';
import { NotificationsRepository } from './notifications.repository';
import { NotificationSettingsResolver } from './notifications.resolver';
import { PhoneVerificationService } from './phone-verification.service';
import { PhoneVerificationsRepository } from './phone-verifications.repository';
import { PreferencesRepository } from './preferences.repository';
import { PreferencesService } from './preferences.service';
import { ProviderCircuits } from './provider-circuits';
import { ApnsProvider } from './providers/apns';
import { FcmProvider, type FcmServiceAccount } from './providers/fcm';
import { SmtpMail } from './providers/smtp-mail';
import { TwilioSms } from './providers/twilio-sms';
import { VonageSms } from './providers/vonage-sms';
import { PushChannel } from './push.channel';
import { QuietHours } from './quiet-hours';
import { QuietHoursRepository } from './quiet-hours.repository';
import { SmsChannel } from './sms.channel';
import { MailChannel } from './mail.channel';

/** The notifications module's GraphQL resolvers (instances are made by createNotificationsModule). */
export const notificationsResolvers = [DevicesResolver, NotificationSettingsResolver, DeadLettersResolver] as const;

/** The providers the configuration has credentials for (the others are off). */
function providersOf(config: Config) {
  return {
    fcm: config.FCM_SERVICE_ACCOUNT_JSON ? new FcmProvider(JSON.parse(config.FCM_SERVICE_ACCOUNT_JSON) as FcmServiceAccount, config.FCM_BASE_URL) : null,
    apns: config.APNS_KEY_ID
      ? new ApnsProvider({ keyId: config.APNS_KEY_ID, teamId: config.APNS_TEAM_ID, privateKey: config.APNS_PRIVATE_KEY, bundleId: config.APNS_BUNDLE_ID }, config.APNS_BASE_URL)
      : null,
    primarySms: config.TWILIO_ACCOUNT_SID
      ? new TwilioSms({ accountSid: config.TWILIO_ACCOUNT_SID, authToken: config.TWILIO_AUTH_TOKEN, from: config.TWILIO_FROM }, config.TWILIO_BASE_URL)
      : null,
    backupSms: config.VONAGE_API_KEY ? new VonageSms({ apiKey: config.VONAGE_API_KEY, apiSecret: config.VONAGE_API_SECRET, from: config.VONAGE_FROM }, config.VONAGE_BASE_URL) : null,
    smtp: config.SMTP_URL ? new SmtpMail(config.SMTP_URL, config.MAIL_FROM) : null,
  };
}

export function createNotificationsModule(deps: {
  sql: Sql;
  redis: Redis;
  config: Config;
  logger: Logger;
  registry: Registry;
  users: UsersService;
  volunteers: VolunteersService;
  /** What delivery asks of presence, users and sos. */
  ports: DeliveryPorts;
}) {
  const { config, logger, sql } = deps;
  const devices = new DevicesRepository(sql);
  const repository = new NotificationsRepository(sql);
  const preferences = new PreferencesService(new PreferencesRepository(sql));
  const circuits = new ProviderCircuits(deps.registry, logger);
  const providers = providersOf(config);
  const push = new PushChannel({ fcm: providers.fcm, apns: providers.apns }, circuits);
  const sms = new SmsChannel({ primary: providers.primarySms, backup: providers.backupSms }, circuits);
  const mail = new MailChannel(providers.smtp, circuits);
  const quietHours = new QuietHours(new QuietHoursRepository(sql));
  const delivery = new NotificationDelivery(
    repository,
    devices,
    push,
    sms,
    mail,
    { passwordReset: config.PASSWORD_RESET_URL },
    preferences,
    { quietHours, perPerson: new FixedWindowLimiter(deps.redis, logger, 'notify-cap', config.NOTIFY_NON_EMERGENCY_PER_HOUR, 3600) },
    deps.ports,
    deps.registry,
    logger,
  );
  const dispatcher = new NotificationDispatcher(
    delivery,
    repository,
    { redis: redisTarget(config), keyPrefix: config.REDIS_KEY_PREFIX, concurrency: config.NOTIFY_CONCURRENCY, sweepSeconds: config.NOTIFY_SWEEP_SECONDS },
    deps.registry,
    logger,
  );
  const phones = new PhoneVerificationService(
    sql,
    new PhoneVerificationsRepository(),
    repository,
    dispatcher,
    sms,
    deps.users,
    {
      perNumber: new FixedWindowLimiter(deps.redis, logger, 'phone-code-number', config.PHONE_CODES_PER_NUMBER_PER_HOUR, 3600),
      perIp: new FixedWindowLimiter(deps.redis, logger, 'phone-code-ip', config.PHONE_CODES_PER_IP_PER_HOUR, 3600),
    },
    config.JWT_SECRET,
    logger,
  );
  const channels = () => ({ ...push.status(), ...sms.status(), ...mail.status() });
  return {
    /** Devices, choices and what was sent: a person's export. */
    personalData: new NotificationsPersonalData(),
    /** Writes notifications in the transactions of the changes that cause them (wired to SOS events in the composition root). */
    outbox: new NotificationOutbox(repository, deps.volunteers, deps.users, dispatcher, config.NOTIFY_SMS_AFTER_SECONDS),
    /** Which channels are on and off (no credentials), for /readyz. */
    channels,
    background: {
      start: () => {
        const off = Object.entries(channels()).filter(([, state]) => state === 'off').map(([channel]) => channel);
        if (off.length > 0) logger.warn({ off }, 'notification channels off (no credentials): what they would carry is skipped');
        dispatcher.start();
      },
      close: async () => {
        await dispatcher.close();
        await push.close();
        mail.close();
      },
    },
    resolvers: [new DevicesResolver(new DevicesService(devices, logger)), new NotificationSettingsResolver(preferences, phones, quietHours), new DeadLettersResolver(repository, dispatcher)],
  };
}
