import DataLoader from 'dataloader';
import type { UserRow } from './users.repository';
import type { UsersRepository } from './users.repository';

export type UserLoader = DataLoader<string, UserRow | null>;

/** Batches every user lookup of a request into one `WHERE id IN (...)`. */
export function userLoaderFactory(repository: UsersRepository): () => UserLoader {
  return () =>
    new DataLoader<string, UserRow | null>(async (ids) => {
      const rows = await repository.findByIds(ids);
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    });
}
