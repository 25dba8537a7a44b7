import jwt from 'jsonwebtoken';
import { Client } from 'pg';
import WebSocket from 'ws';
import { spawnServer, stopServer } from '../../test/helpers/spawn-server';
import { BENCH_JWT_SECRET, benchEnvironment } from '../lib/environment';
import { ms, percentile } from '../lib/percentiles';
import type { ScenarioReport } from '../lib/report';

const CONVERSATIONS = 250;
const MESSAGES_PER_SECOND = 500;

const token = (userId: string) => jwt.sign({ role: 'USER', typ: 'access' }, BENCH_JWT_SECRET, { subject: userId, issuer: 'careconnect', expiresIn: 3600 });

/** Conversations of two people each, straight into PostgreSQL. */
async function seedConversations(databaseUrl: string): Promise<{ id: string; sender: string; receiver: string }[]> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ id: string; sender: string; receiver: string }>(
      `WITH people AS (
         INSERT INTO users (id, email, display_name, role, updated_at)
         SELECT gen_random_uuid(), 'chatter-' || g || '@bench.careconnect.dev', 'Chatter ' || g, 'USER', now() FROM generate_series(1, $1 * 2) g
         RETURNING id),
       numbered AS (SELECT id, row_number() OVER () - 1 AS n FROM people),
       pairs AS (SELECT a.id AS sender, b.id AS receiver, gen_random_uuid() AS conversation FROM numbered a JOIN numbered b ON b.n = a.n + 1 WHERE a.n % 2 = 0),
       conversations AS (INSERT INTO conversations (id) SELECT conversation FROM pairs RETURNING id),
       participants AS (INSERT INTO conversation_participants (conversation_id, user_id) SELECT conversation, sender FROM pairs UNION ALL SELECT conversation, receiver FROM pairs)
       SELECT conversation AS id, sender, receiver FROM pairs`,
      [CONVERSATIONS],
    );
    return rows;
  } finally {
    await db.end();
  }
}

/** An authenticated graphql-ws socket; `onNext` gets the data of every result. */
function socketFor(wsUrl: string, userId: string, onNext: (id: string, data: Record<string, unknown>) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token(userId)}` } })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; id?: string; payload?: { data?: Record<string, unknown> } };
      if (message.type === 'connection_ack') resolve(socket);
      else if (message.type === 'next' && message.payload?.data) onNext(message.id!, message.payload.data);
    });
    socket.on('error', reject);
  });
}

/**
 * Message sent (over the sender's WebSocket) to message received by the other participant (on
 * theirs), at 500 messages per second spread over 250 conversations.
 */
export async function chatScenario(durationSeconds: number): Promise<ScenarioReport> {
  const environment = await benchEnvironment('chat');
  const sockets: WebSocket[] = [];
  try {
    const conversations = await seedConversations(environment.databaseUrl);
    const server = await spawnServer(environment.env({ CHAT_MESSAGES_PER_10S: '10000', DATABASE_POOL_SIZE: '20' }));
    try {
      const wsUrl = server.url.replace(/^http/, 'ws');
      const sentAt = new Map<string, bigint>();
      const latencies: number[] = [];
      let errors = 0;
      const senders = await Promise.all(
        conversations.map((c) =>
          socketFor(wsUrl, c.sender, (_id, data) => {
            if (!data.sendMessage) errors += 1;
          }),
        ),
      );
      const receivers = await Promise.all(
        conversations.map((c) =>
          socketFor(wsUrl, c.receiver, (_id, data) => {
            const message = data.messageAdded as { clientMessageId: string } | undefined;
            const started = message && sentAt.get(message.clientMessageId);
            if (started) latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
          }),
        ),
      );
      sockets.push(...senders, ...receivers);
      receivers.forEach((socket, i) =>
        socket.send(JSON.stringify({ id: 'sub', type: 'subscribe', payload: { query: 'subscription($c: ID!) { messageAdded(conversationId: $c) { id clientMessageId } }', variables: { c: conversations[i].id } } })),
      );
      await new Promise((r) => setTimeout(r, 1000));

      const send = (i: number, n: number) => {
        const clientMessageId = `m-${i}-${n}`;
        sentAt.set(clientMessageId, process.hrtime.bigint());
        senders[i].send(
          JSON.stringify({
            id: clientMessageId,
            type: 'subscribe',
            payload: {
              query: 'mutation($c: ID!, $b: String!, $k: String) { sendMessage(conversationId: $c, body: $b, clientMessageId: $k) { id } }',
              variables: { c: conversations[i].id, b: `Hello #${n}, on my way`, k: clientMessageId },
            },
          }),
        );
      };
      // Warm-up, then the measured run at a steady rate.
      for (let n = 0; n < 2; n++) conversations.forEach((_, i) => send(i, -1 - n));
      await new Promise((r) => setTimeout(r, 1000));
      latencies.length = 0;
      const total = MESSAGES_PER_SECOND * durationSeconds;
      const started = Date.now();
      for (let n = 0; n < total; n++) {
        const due = started + (n * 1000) / MESSAGES_PER_SECOND;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        send(n % CONVERSATIONS, Math.floor(n / CONVERSATIONS));
      }
      await new Promise((r) => setTimeout(r, 2000));
      return {
        name: 'chat',
        title: 'Chat: message sent to message received over WebSocket',
        body: `
${CONVERSATIONS} conversations of two people; one sends \`sendMessage\` over its graphql-ws socket, the other is subscribed to \`messageAdded\` on its own. ${total.toLocaleString('en')} messages at ${MESSAGES_PER_SECOND} per second spread evenly over the conversations, after a warm-up.
Latency: from sending to the other participant's socket receiving it (the message is in PostgreSQL before it is published). One API instance; the 500 sockets in one other process on the same 2 cores.
Target: p99 ≤ 30 ms.

| messages | received | p50 ms | p99 ms | max ms | errors |
| ---: | ---: | ---: | ---: | ---: | ---: |
| ${total} | ${latencies.length} | ${ms(percentile(latencies, 50), 1)} | ${ms(percentile(latencies, 99), 1)} | ${ms(percentile(latencies, 100), 1)} | ${errors} |
`,
      };
    } finally {
      await stopServer(server);
    }
  } finally {
    for (const socket of sockets) socket.terminate();
    await environment.close();
  }
}
