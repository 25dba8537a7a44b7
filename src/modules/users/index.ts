// Decorated classes below need the metadata polyfill loaded first, whoever imports this module first.
import 'reflect-metadata';
import type { Sql } from '../../platform/db';
import type { EventBus } from '../../platform/events';
import { UsersRepository } from './users.repository';
import { userLoaderFactory } from './users.loaders';
import { UsersResolver } from './users.resolver';
import type { UsersEvents } from './users.events';
import { UsersService } from './users.service';

export { User } from './types/user.type';
export { normalizeEmail } from './email';
export { UsersService };

/** The users module's GraphQL resolvers (instances are made by createUsersModule). */
export const usersResolvers = [UsersResolver] as const;
export { DELETED_ACCOUNT_ID, isSuspended, type NewUser, type UserRow } from './users.repository';
export { usersTopics } from './users.topics';
export type { UsersEvents } from './users.events';

export function createUsersModule(sql: Sql, events: EventBus<UsersEvents>) {
  const repository = new UsersRepository(sql);
  const service = new UsersService(repository, userLoaderFactory(repository), sql, events);
  return { service, resolvers: [new UsersResolver(service)] };
}
