import DataLoader from 'dataloader';
import type { AlertRow, SosAlertsRepository } from './sos-alerts.repository';
import type { SosEventRow, SosRepository, SosRow } from './sos.repository';

export interface SosLoaders {
  byId: DataLoader<string, SosRow | null>;
  timeline: DataLoader<string, SosEventRow[]>;
  alertedCount: DataLoader<string, number>;
  /** Every offer of an SOS (for staff). */
  alerts: DataLoader<string, AlertRow[]>;
  /** Keyed "sosId:volunteerId": whether that volunteer was alerted for that SOS. */
  alerted: DataLoader<string, boolean>;
}

/** Per-request loaders for SOS relations: a page of 50 SOS with their timelines is a handful of queries. */
export function sosLoadersFactory(repository: SosRepository, alerts: SosAlertsRepository): () => SosLoaders {
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
      const counts = await alerts.countsBySos(ids);
      return ids.map((id) => counts.get(id) ?? 0);
    }),
    alerts: new DataLoader(async (ids) => {
      const alertsOf = await alerts.ofSos(ids);
      return ids.map((id) => alertsOf.filter((a) => a.sosId === id));
    }),
    alerted: new DataLoader(async (keys) => {
      const pairs = keys.map((key) => key.split(':') as [string, string]);
      const found = await alerts.pairs(pairs);
      return keys.map((key) => found.has(key));
    }),
  });
}
