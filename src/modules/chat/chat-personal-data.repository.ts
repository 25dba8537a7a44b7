import type { Queryable, Sql } from '../../platform/db';
import { inBatches, type PersonalData, type RetentionCutoffs } from '../../platform/privacy';

/** What the chat tables hold of people: the messages they wrote, and the retention of SOS conversations. */
export class ChatPersonalData implements PersonalData {
  constructor(private readonly sql: Sql) {}

  async exportOf(userId: string, db: Queryable) {
    const { rows } = await db.query(
      `SELECT p.conversation_id AS "conversationId", c.sos_id AS "sosId", p.joined_at AS "joinedAt", p.left_at AS "leftAt",
              COALESCE((SELECT json_agg(json_build_object('id', m.id, 'body', m.body, 'at', m.created_at) ORDER BY m.seq)
                          FROM messages m WHERE m.conversation_id = p.conversation_id AND m.sender_id = $1), '[]') AS "messagesSent"
         FROM conversation_participants p JOIN conversations c ON c.id = p.conversation_id
        WHERE p.user_id = $1 ORDER BY p.joined_at`,
      [userId],
    );
    return rows;
  }

  /** Messages of conversations whose SOS closed before the cutoff (a conversation without an SOS is kept). */
  async purge(cutoffs: RetentionCutoffs): Promise<Record<string, number>> {
    const chatMessages = await inBatches(
      async (limit) =>
        (
          await this.sql.query(
            `DELETE FROM messages WHERE id IN (SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN sos_requests s ON s.id = c.sos_id
                                                WHERE s.closed_at IS NOT NULL AND s.closed_at < $1 LIMIT $2)`,
            [cutoffs.chatBefore, limit],
          )
        ).rowCount ?? 0,
    );
    return { chatMessages };
  }
}
