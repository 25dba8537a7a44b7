// The yardstick of the SOS and location benchmarks: the least any implementation must do.
// - An SOS raised over HTTP: verify the token, INSERT one row in PostgreSQL, find the nearest
//   volunteer with one Redis GEOSEARCH and publish one message to them through Redis pub/sub (as
//   any server with more than one instance must); the instance holding that volunteer's
//   graphql-ws socket sends it on.
// - A location sent over the volunteer's graphql-ws socket (authenticated once, when it opened):
//   one Redis GEOADD, then the answer.
// Nothing else: no validation, no matching steps, no events, no notifications.
//
// Environment: DATABASE_URL, REDIS_URL, JWT_SECRET, GEO_KEY (a Redis GEO set of volunteers' user
// ids, filled by the bench), CHANNEL_PREFIX (pub/sub channels of its own).
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import jwt from 'jsonwebtoken';
import { Pool } from 'pg';
import { WebSocketServer, type WebSocket } from 'ws';

const env = (name: string) => process.env[name] ?? (() => { throw new Error(`${name} is required`); })();
const secret = env('JWT_SECRET');
const geoKey = env('GEO_KEY');
const channelPrefix = env('CHANNEL_PREFIX');
const pool = new Pool({ connectionString: env('DATABASE_URL'), max: 10 });
const redis = new Redis(env('REDIS_URL'));
const subscriber = new Redis(env('REDIS_URL'));
/** user id -> the socket and subscription id of their sosAlerts */
const subscribed = new Map<string, { socket: WebSocket; id: string }>();

const userOf = (authorization: unknown) => String((jwt.verify(String(authorization).replace(/^Bearer /, ''), secret) as jwt.JwtPayload).sub);

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

async function raiseSos(requesterId: string, location: { latitude: number; longitude: number }) {
  const { rows } = await pool.query<{ id: string }>(
    'INSERT INTO minimal_sos (requester_id, location) VALUES ($1, ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography) RETURNING id',
    [requesterId, location.longitude, location.latitude],
  );
  const sosId = rows[0].id;
  const nearest = (await redis.geosearch(geoKey, 'FROMLONLAT', location.longitude, location.latitude, 'BYRADIUS', 1000, 'm', 'ASC', 'COUNT', 1)) as string[];
  if (nearest.length) await redis.publish(channelPrefix + nearest[0], sosId);
  return { id: sosId, alertedCount: nearest.length };
}

async function updateLocation(userId: string, location: { latitude: number; longitude: number }) {
  await redis.geoadd(geoKey, location.longitude, location.latitude, userId);
}

const server = createServer((req, res) => {
  void (async () => {
    try {
      const requesterId = userOf(req.headers.authorization);
      const { variables } = JSON.parse(await readBody(req)) as { variables: { input: { location: { latitude: number; longitude: number } } } };
      const raised = await raiseSos(requesterId, variables.input.location);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { raiseSos: raised } }));
    } catch (err) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: (err as Error).message }] }));
    }
  })();
});

new WebSocketServer({ server }).on('connection', (socket) => {
  let userId: string | null = null;
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as {
      type: string;
      id?: string;
      payload?: { authorization?: string; query?: string; variables?: { location: { latitude: number; longitude: number } } };
    };
    if (message.type === 'connection_init') {
      userId = userOf(message.payload?.authorization);
      socket.send('{"type":"connection_ack"}');
    } else if (message.type === 'subscribe' && userId && message.payload?.query?.includes('updateLocation')) {
      void updateLocation(userId, message.payload.variables!.location).then(() => {
        socket.send(JSON.stringify({ id: message.id, type: 'next', payload: { data: { updateLocation: { nextUpdateInSeconds: 20 } } } }));
        socket.send(JSON.stringify({ id: message.id, type: 'complete' }));
      });
    } else if (message.type === 'subscribe' && userId) {
      subscribed.set(userId, { socket, id: message.id! });
    }
  });
  socket.on('close', () => userId && subscribed.delete(userId));
});

subscriber.on('pmessage', (_pattern, channel, sosId) => {
  const target = subscribed.get(channel.slice(channelPrefix.length));
  target?.socket.send(JSON.stringify({ id: target.id, type: 'next', payload: { data: { sosAlerts: { status: 'OFFERED', sos: { id: sosId } } } } }));
});

async function main() {
  await pool.query('CREATE TABLE IF NOT EXISTS minimal_sos (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), requester_id uuid NOT NULL, location geography(Point, 4326) NOT NULL, created_at timestamptz NOT NULL DEFAULT now())');
  await subscriber.psubscribe(`${channelPrefix}*`);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    console.log(JSON.stringify({ msg: 'minimal server listening', url: `http://127.0.0.1:${port}/graphql` }));
  });
  process.once('SIGTERM', () => {
    server.close();
    void Promise.all([pool.end(), redis.quit(), subscriber.quit()]).then(() => process.exit(0));
  });
}

void main();
