import DataLoader from 'dataloader';
import type { FlagEventRow, FlagsRepository } from './flags.repository';

export type FlagHistoryLoader = DataLoader<string, FlagEventRow[]>;

/** Per request: the histories of a page of flags in one query. */
export function flagHistoryLoaderFactory(repository: FlagsRepository): () => FlagHistoryLoader {
  return () =>
    new DataLoader(async (flagIds) => {
      const rows = await repository.historyOf(flagIds);
      return flagIds.map((id) => rows.filter((r) => r.flagId === id));
    });
}
