import DataLoader from 'dataloader';
import type { SosEventRow, SosRepository, SosRow } from './sos.repository';

export interface SosLoaders {
  byId: DataLoader<string, SosRow | null>;
  timeline: DataLoader<string, SosEventRow[]>;
  alertedCount: DataLoader<string, number>;
  /** Keyed "requesterUserId:volunteerId": whether that volunteer is helping that person now. */
  helping: DataLoader<string, boolean>;
  /** Keyed "sosId:volunteerId": whether that volunteer was alerted for that SOS. */
  alerted: DataLoader<string, boolean>;
}

/** Per-request loaders for SOS relations: a page of 50 SOS with their timelines is a handful of queries. */
export function sosLoadersFactory(repository: SosRepository): () => SosLoaders {
  return () => ({
    byId: new DataLoader(async (ids) => {
      const byId = new Map((await repository.findByIds(ids)).map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    timeline: new DataLoader(async (ids) => {
      const events = await repository.eventsOf(ids);
      return ids.map((id) => events.filter((e) => e.sosId === id));
    }),
    alertedCount: new DataLoader(async (ids) => {
      const counts = await repository.alertCounts(ids);
      return ids.map((id) => counts.get(id) ?? 0);
    }),
    alerted: new DataLoader(async (keys) => {
      const pairs = keys.map((key) => key.split(':') as [string, string]);
      const found = await repository.alertPairs(pairs);
      return keys.map((key) => found.has(key));
    }),
    helping: new DataLoader(async (keys) => {
      const pairs = keys.map((key) => key.split(':') as [string, string]);
      const answers = new Map<string, Set<string>>();
      for (const requester of new Set(pairs.map(([r]) => r))) {
        answers.set(requester, await repository.helping(requester, pairs.filter(([r]) => r === requester).map(([, v]) => v)));
      }
      return pairs.map(([r, v]) => answers.get(r)!.has(v));
    }),
  });
}
