import DataLoader from 'dataloader';
import type { VolunteerIndex } from './volunteer-index';
import type { VolunteerRow, VolunteersRepository } from './volunteers.repository';

export interface VolunteerLoaders {
  byId: DataLoader<string, VolunteerRow | null>;
  byUserId: DataLoader<string, VolunteerRow | null>;
  /** Last heartbeat in ms from Redis; null when unknown there or Redis is unreachable. */
  lastSeen: DataLoader<string, number | null>;
}

function keyed<K extends keyof VolunteerRow>(rows: VolunteerRow[], keys: readonly string[], key: K): (VolunteerRow | null)[] {
  const byKey = new Map(rows.map((row) => [row[key] as string, row]));
  return keys.map((k) => byKey.get(k) ?? null);
}

/** Per-request loaders: every profile, user-to-profile and heartbeat lookup of a request is one query. */
export function volunteerLoadersFactory(repository: VolunteersRepository, index: VolunteerIndex): () => VolunteerLoaders {
  return () => {
    const byId = new DataLoader<string, VolunteerRow | null>(async (ids) => keyed(await repository.findByIds(ids), ids, 'id'));
    const byUserId = new DataLoader<string, VolunteerRow | null>(async (userIds) => {
      const rows = keyed(await repository.findByUserIds(userIds), userIds, 'userId');
      for (const row of rows) if (row) byId.prime(row.id, row);
      return rows;
    });
    const lastSeen = new DataLoader<string, number | null>((ids) => index.lastSeen(ids).catch(() => ids.map(() => null)));
    return { byId, byUserId, lastSeen };
  };
}
