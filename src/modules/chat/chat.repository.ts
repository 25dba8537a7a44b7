import type { Queryable, ReplicaReads, Sql, Tx } from '../../platform/db';

export interface ConversationRow {
  id: string;
  sosId: string | null;
  createdAt: Date;
  /** When the SOS closed (resolved, cancelled), if it did: sending stops a grace period later. */
  sosClosedAt: Date | null;
  lastActivityAt: Date;
}

export interface MessageRow {
  id: string;
  conversationId: string;
  senderId: string;
  body: string;
  clientMessageId: string | null;
  createdAt: Date;
  /** Global order (a bigint, as a string): what cursors are made of. */
  position: string;
  /** Order within the conversation, from 1. */
  seq: number;
}

const CONVERSATION_COLUMNS = `c.id, c.sos_id AS "sosId", c.created_at AS "createdAt", s.closed_at AS "sosClosedAt",
  COALESCE(c.last_message_at, c.created_at) AS "lastActivityAt"`;
const MESSAGE_COLUMNS = `m.id, m.conversation_id AS "conversationId", m.sender_id AS "senderId", m.body, m.client_message_id AS "clientMessageId",
  m.created_at AS "createdAt", m.position::text AS position, m.seq`;

/** The only code that touches chat tables. */
export class ChatRepository {
  constructor(
    private readonly sql: Sql,
    private readonly reads: ReplicaReads,
  ) {}

  async conversationsByIds(ids: readonly string[]): Promise<ConversationRow[]> {
    const { rows } = await this.sql.query<ConversationRow>(
      `SELECT ${CONVERSATION_COLUMNS} FROM conversations c LEFT JOIN sos_requests s ON s.id = c.sos_id WHERE c.id = ANY($1::uuid[])`,
      [ids],
    );
    return rows;
  }

  async conversationsBySos(sosIds: readonly string[]): Promise<ConversationRow[]> {
    const { rows } = await this.sql.query<ConversationRow>(
      `SELECT ${CONVERSATION_COLUMNS} FROM conversations c LEFT JOIN sos_requests s ON s.id = c.sos_id WHERE c.sos_id = ANY($1::uuid[])`,
      [sosIds],
    );
    return rows;
  }

  /** Current participants (those who left, e.g. a dropped volunteer, are not). */
  async participants(conversationIds: readonly string[]): Promise<{ conversationId: string; userId: string }[]> {
    const { rows } = await this.sql.query<{ conversationId: string; userId: string }>(
      `SELECT conversation_id AS "conversationId", user_id AS "userId" FROM conversation_participants
        WHERE conversation_id = ANY($1::uuid[]) AND left_at IS NULL ORDER BY joined_at`,
      [conversationIds],
    );
    return rows;
  }

  /** The conversations a person takes part in now. */
  async conversationIdsOf(userId: string): Promise<string[]> {
    const { rows } = await this.sql.query<{ id: string }>(
      'SELECT conversation_id AS id FROM conversation_participants WHERE user_id = $1 AND left_at IS NULL',
      [userId],
    );
    return rows.map((r) => r.id);
  }

  /** The conversation of an SOS with these participants (created on the first accept; a later volunteer joins it). */
  async open(tx: Tx, sosId: string, userIds: readonly string[]): Promise<void> {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO conversations (id, sos_id) VALUES (gen_random_uuid(), $1)
       ON CONFLICT (sos_id) DO UPDATE SET sos_id = EXCLUDED.sos_id RETURNING id`,
      [sosId],
    );
    await tx.query(
      `INSERT INTO conversation_participants (conversation_id, user_id) SELECT $1, unnest($2::uuid[])
       ON CONFLICT (conversation_id, user_id) DO UPDATE SET left_at = NULL`,
      [rows[0].id, userIds],
    );
  }

  /** A participant who lost their place in an SOS (a dropped volunteer) leaves its conversation. */
  async leave(tx: Tx, sosId: string, userId: string): Promise<void> {
    await tx.query(
      `UPDATE conversation_participants p SET left_at = now() FROM conversations c WHERE c.id = p.conversation_id AND c.sos_id = $1 AND p.user_id = $2 AND p.left_at IS NULL`,
      [sosId, userId],
    );
  }

  async join(conversationId: string, userId: string): Promise<void> {
    await this.sql.query(
      `INSERT INTO conversation_participants (conversation_id, user_id) VALUES ($1, $2)
       ON CONFLICT (conversation_id, user_id) DO UPDATE SET left_at = NULL`,
      [conversationId, userId],
    );
  }

  /**
   * Inserts a message with the conversation's next seq (the conversation row's update orders
   * concurrent sends), or returns the one this sender already sent with this client id.
   */
  /** The message a sender sent with this clientMessageId, if any: a retry gets the first one back. */
  async sentWith(conversationId: string, senderId: string, clientMessageId: string, db: Queryable = this.sql): Promise<MessageRow | null> {
    const { rows } = await db.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = $1 AND m.sender_id = $2 AND m.client_message_id = $3`,
      [conversationId, senderId, clientMessageId],
    );
    return rows[0] ?? null;
  }

  /** Stores a message with the conversation's next seq; a retry that raced another one past `sentWith` gets theirs. */
  async insertMessage(db: Queryable, conversationId: string, senderId: string, body: string, clientMessageId: string | null): Promise<{ message: MessageRow; created: boolean }> {
    const { rows } = await db.query<MessageRow>(
      `WITH next AS (
         UPDATE conversations SET last_seq = last_seq + 1, last_message_at = now() WHERE id = $1 RETURNING last_seq
       ), inserted AS (
         INSERT INTO messages (id, conversation_id, sender_id, body, client_message_id, seq)
         SELECT gen_random_uuid(), $1, $2, $3, $4, last_seq FROM next
         ON CONFLICT (conversation_id, sender_id, client_message_id) DO NOTHING
         RETURNING *
       )
       SELECT ${MESSAGE_COLUMNS} FROM inserted m`,
      [conversationId, senderId, body, clientMessageId],
    );
    if (rows[0]) return { message: rows[0], created: true };
    // Two retries raced past the lookup; the other one inserted it.
    return { message: (await this.sentWith(conversationId, senderId, clientMessageId!, db))!, created: false };
  }

  async messageById(id: string): Promise<MessageRow | null> {
    const { rows } = await this.sql.query<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** Newest first, before a position: a history page, from the replica when it has every write so far. */
  async page(conversationId: string, limit: number, beforePosition: string | null): Promise<MessageRow[]> {
    const { rows } = await this.reads.read((db) => db.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = $1 AND ($2::bigint IS NULL OR m.position < $2::bigint)
        ORDER BY m.position DESC LIMIT $3`,
      [conversationId, beforePosition, limit],
    ));
    return rows;
  }

  /** Oldest first, after a seq: what a reconnecting client missed. */
  async after(conversationId: string, afterSeq: number): Promise<MessageRow[]> {
    const { rows } = await this.sql.query<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = $1 AND m.seq > $2 ORDER BY m.seq`, [
      conversationId,
      afterSeq,
    ]);
    return rows;
  }

  async lastMessages(conversationIds: readonly string[]): Promise<MessageRow[]> {
    const { rows } = await this.sql.query<MessageRow>(
      `SELECT DISTINCT ON (m.conversation_id) ${MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = ANY($1::uuid[])
        ORDER BY m.conversation_id, m.position DESC`,
      [conversationIds],
    );
    return rows;
  }

  /** Messages from others after the viewer's read receipt, per conversation. */
  async unreadCounts(conversationIds: readonly string[], userId: string): Promise<Map<string, number>> {
    const { rows } = await this.sql.query<{ conversationId: string; unread: number }>(
      `SELECT p.conversation_id AS "conversationId", count(m.id)::int AS unread
         FROM conversation_participants p
         LEFT JOIN messages m ON m.conversation_id = p.conversation_id AND m.position > p.last_read_position AND m.sender_id <> p.user_id
        WHERE p.conversation_id = ANY($1::uuid[]) AND p.user_id = $2
        GROUP BY p.conversation_id`,
      [conversationIds, userId],
    );
    return new Map(rows.map((r) => [r.conversationId, r.unread]));
  }

  /** Moves the read receipt forward only; true when it moved. */
  async markRead(conversationId: string, userId: string, position: string): Promise<boolean> {
    const { rowCount } = await this.sql.query(
      `UPDATE conversation_participants SET last_read_position = $3::bigint
        WHERE conversation_id = $1 AND user_id = $2 AND last_read_position < $3::bigint`,
      [conversationId, userId, position],
    );
    return (rowCount ?? 0) > 0;
  }

  /** The viewer's current conversations, most recent activity first, after a (activity, id) cursor: from the replica when it is up to date. */
  async pageOfUser(userId: string, limit: number, after: { at: string; id: string } | null): Promise<ConversationRow[]> {
    const { rows } = await this.reads.read((db) => db.query<ConversationRow>(
      `SELECT ${CONVERSATION_COLUMNS} FROM conversations c
         JOIN conversation_participants p ON p.conversation_id = c.id AND p.user_id = $1 AND p.left_at IS NULL
         LEFT JOIN sos_requests s ON s.id = c.sos_id
        WHERE $2::timestamptz IS NULL OR (COALESCE(c.last_message_at, c.created_at), c.id) < ($2::timestamptz, $3::uuid)
        ORDER BY COALESCE(c.last_message_at, c.created_at) DESC, c.id DESC LIMIT $4`,
      [userId, after?.at ?? null, after?.id ?? null, limit],
    ));
    return rows;
  }
}
