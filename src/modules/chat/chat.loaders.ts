import DataLoader from 'dataloader';
import type { ChatRepository, ConversationRow, MessageRow } from './chat.repository';

export interface ChatLoaders {
  byId: DataLoader<string, ConversationRow | null>;
  bySos: DataLoader<string, ConversationRow | null>;
  participants: DataLoader<string, string[]>;
  lastMessage: DataLoader<string, MessageRow | null>;
  /** Keyed "userId:conversationId". */
  unread: DataLoader<string, number>;
}

/** Per-request loaders: a page of conversations with participants, last message and unread count is a handful of queries. */
export function chatLoadersFactory(repository: ChatRepository): () => ChatLoaders {
  return () => {
    const byId = new DataLoader<string, ConversationRow | null>(async (ids) => {
      const rows = new Map((await repository.conversationsByIds(ids)).map((c) => [c.id, c]));
      return ids.map((id) => rows.get(id) ?? null);
    });
    return {
      byId,
      bySos: new DataLoader(async (sosIds) => {
        const rows = new Map((await repository.conversationsBySos(sosIds)).map((c) => [c.sosId, c]));
        return sosIds.map((id) => {
          const row = rows.get(id) ?? null;
          if (row) byId.prime(row.id, row);
          return row;
        });
      }),
      participants: new DataLoader(async (ids) => {
        const rows = await repository.participants(ids);
        return ids.map((id) => rows.filter((r) => r.conversationId === id).map((r) => r.userId));
      }),
      lastMessage: new DataLoader(async (ids) => {
        const rows = new Map((await repository.lastMessages(ids)).map((m) => [m.conversationId, m]));
        return ids.map((id) => rows.get(id) ?? null);
      }),
      unread: new DataLoader(async (keys) => {
        const pairs = keys.map((k) => k.split(':') as [string, string]);
        const byUser = new Map<string, Map<string, number>>();
        for (const user of new Set(pairs.map(([u]) => u))) {
          byUser.set(user, await repository.unreadCounts(pairs.filter(([u]) => u === user).map(([, c]) => c), user));
        }
        return pairs.map(([u, c]) => byUser.get(u)!.get(c) ?? 0);
      }),
    };
  };
}
