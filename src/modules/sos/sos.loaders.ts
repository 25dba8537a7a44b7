import DataLoader from 'dataloader';
import type { SosEventRow, SosRepository, SosRow } from './sos.repository';

export interface SosLoaders {
  byId: DataLoader<string, SosRow | null>;
  timeline: DataLoader<string, SosEventRow[]>;
  alertedCount: DataLoader<string, number>;
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
  });
}
