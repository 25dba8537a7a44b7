import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../generated/prisma/client';

export type Db = PrismaClient;

export interface DbOptions {
  url: string;
  poolSize: number;
}

/**
 * One Prisma client per server instance, on a pg pool of its own. Connection attempts give up
 * quickly so that a dead database turns into UNAVAILABLE answers, not hanging requests.
 */
export function createDb({ url, poolSize }: DbOptions): Db {
  const adapter = new PrismaPg({ connectionString: url, max: poolSize, connectionTimeoutMillis: 3000, idleTimeoutMillis: 30000 });
  return new PrismaClient({ adapter });
}

/** The client or a transaction on it: repositories accept either so services can compose writes atomically. */
export type DbClient = Db | Omit<Db, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;
