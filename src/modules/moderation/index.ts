// Decorated classes below need the metadata polyfill loaded first, whoever imports this module first.
import 'reflect-metadata';
import type { Sql } from '../../platform/db';
import type { EventBus } from '../../platform/events';
import { FlagsRepository } from './flags.repository';
import { FlagsResolver } from './flags.resolver';
import { flagHistoryLoaderFactory } from './moderation.loaders';
import type { ModerationEvents } from './moderation.events';
import { ModerationService, type ModerationPorts } from './moderation.service';

export { FlagAction, FlagKind, FlagSubjectType } from './flag-kinds';
export type { Concern } from './flags.repository';
export type { ModerationEvents, ModerationPorts, ModerationService };
/** What a module that raises concerns is given. */
export type FlagRaiser = Pick<ModerationService, 'raise'>;

/** The moderation module's GraphQL resolvers (instances are made by createModerationModule). */
export const moderationResolvers = [FlagsResolver] as const;

export function createModerationModule(sql: Sql, events: EventBus<ModerationEvents>, ports: ModerationPorts) {
  const repository = new FlagsRepository(sql);
  const service = new ModerationService(repository, flagHistoryLoaderFactory(repository), sql, events, ports);
  return { service, resolvers: [new FlagsResolver(service)] };
}
