import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Client } from 'pg';
import WebSocket from 'ws';
import { destination } from '../../src/platform/geo';
import { spawnServer, stopServer } from '../../test/helpers/spawn-server';
import { CENTRE, seedCity, sequence } from '../lib/city';
import { BENCH_JWT_SECRET, benchEnvironment } from '../lib/environment';
import { ms, percentile } from '../lib/percentiles';
import type { ScenarioReport } from '../lib/report';

const VOLUNTEERS = 5000;
const CITY_RADIUS_METERS = 5000;
const RAISES_PER_SECOND = 100;

const token = (userId: string, role: string) => jwt.sign({ role, typ: 'access' }, BENCH_JWT_SECRET, { subject: userId, issuer: 'careconnect', expiresIn: 3600 });

async function insertRequesters(databaseUrl: string, count: number): Promise<string[]> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO users (id, email, display_name, role, updated_at)
       SELECT gen_random_uuid(), 'requester-' || g || '@bench.careconnect.dev', 'Requester ' || g, 'USER', now() FROM generate_series(1, $1) g RETURNING id`,
      [count],
    );
    return rows.map((r) => r.id);
  } finally {
    await db.end();
  }
}

/** Opens a graphql-ws socket as the volunteer, subscribes to sosAlerts, and reports each first offer of an SOS. */
function subscribeVolunteer(wsUrl: string, userId: string, onOffer: (sosId: string) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token(userId, 'VOLUNTEER')}` } })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; payload?: { data?: { sosAlerts?: { status: string; sos: { id: string } } } } };
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { sosAlerts { status sos { id } } }' } }));
        resolve(socket);
      } else if (message.type === 'next' && message.payload?.data?.sosAlerts?.status === 'OFFERED') {
        onOffer(message.payload.data.sosAlerts.sos.id);
      }
    });
    socket.on('error', reject);
  });
}

/**
 * Time from sending raiseSos to the first alert arriving at a volunteer's socket, with 5,000
 * volunteers connected and subscribed and SOS raised at a sustained 100 per second.
 */
export async function sosAlertScenario(durationSeconds: number): Promise<ScenarioReport> {
  const environment = await benchEnvironment('sos');
  const sockets: WebSocket[] = [];
  try {
    const volunteers = await seedCity(environment.databaseUrl, { volunteers: VOLUNTEERS, radiusMeters: CITY_RADIUS_METERS, returned: VOLUNTEERS });
    const raises = RAISES_PER_SECOND * durationSeconds;
    const requesters = await insertRequesters(environment.databaseUrl, raises + 10);
    const server = await spawnServer(
      environment.env({ VOLUNTEER_STALE_SECONDS: '86400', SOS_PER_HOUR: '100', VOLUNTEER_ALERTS_PER_HOUR: '1000', SOS_STEP_TIMEOUT_SECONDS: '600', DATABASE_POOL_SIZE: '20' }),
    );
    try {
      const wsUrl = server.url.replace(/^http/, 'ws');
      const firstAlert = new Map<string, bigint>();
      const onOffer = (sosId: string) => {
        if (!firstAlert.has(sosId)) firstAlert.set(sosId, process.hrtime.bigint());
      };
      for (let i = 0; i < volunteers.length; i += 250) {
        sockets.push(...(await Promise.all(volunteers.slice(i, i + 250).map((v) => subscribeVolunteer(wsUrl, v.userId, onOffer)))));
      }
      const next = sequence(11);
      const raise = async (requester: string) => {
        const location = destination(CENTRE, Math.sqrt(next()) * (CITY_RADIUS_METERS - 1000), next() * 360);
        const sentAt = process.hrtime.bigint();
        const response = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token(requester, 'USER')}` },
          body: JSON.stringify({ query: 'mutation($input: RaiseSosInput!) { raiseSos(input: $input) { id alertedCount } }', variables: { input: { location, category: 'MEDICAL', idempotencyKey: randomUUID() } } }),
        });
        const body = (await response.json()) as { data?: { raiseSos: { id: string; alertedCount: number } }; errors?: unknown[] };
        if (!body.data) throw new Error(JSON.stringify(body.errors));
        return { sosId: body.data.raiseSos.id, sentAt, alerted: body.data.raiseSos.alertedCount };
      };
      // Warm-up: builds the volunteer index and the JIT.
      for (let i = 0; i < 10; i++) await raise(requesters[raises + i]);
      firstAlert.clear();

      const results: Promise<{ sosId: string; sentAt: bigint; alerted: number }>[] = [];
      const started = Date.now();
      for (let i = 0; i < raises; i++) {
        const due = started + (i * 1000) / RAISES_PER_SECOND;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        results.push(raise(requesters[i]));
      }
      const settled = await Promise.allSettled(results);
      await new Promise((r) => setTimeout(r, 2000));
      const elapsed = (Date.now() - started) / 1000;

      const ok = settled.filter((s): s is PromiseFulfilledResult<{ sosId: string; sentAt: bigint; alerted: number }> => s.status === 'fulfilled').map((s) => s.value);
      const latencies = ok.flatMap(({ sosId, sentAt }) => {
        const at = firstAlert.get(sosId);
        return at === undefined ? [] : [Number(at - sentAt) / 1e6];
      });
      const unalerted = ok.filter((r) => !firstAlert.has(r.sosId)).length;
      const errors = settled.length - ok.length;
      return {
        name: 'sos',
        title: 'SOS: raiseSos to the first alert on a volunteer\'s socket',
        body: `
${VOLUNTEERS.toLocaleString('en')} volunteers (available, within ${CITY_RADIUS_METERS / 1000} km of the centre) each hold a graphql-ws socket subscribed to \`sosAlerts\`; ${raises.toLocaleString('en')} SOS raised over HTTP at ${RAISES_PER_SECOND} per second (${elapsed.toFixed(1)} s including 2 s to drain), each by a different person at a random place in the city.
Latency: from sending \`raiseSos\` to the first OFFERED alert of that SOS arriving at any volunteer's socket. One API instance (production mode); the 5,000 sockets and the load in one other process on the same 2 cores.
Target: p99 ≤ 100 ms.

| SOS raised | alerted | p50 ms | p95 ms | p99 ms | max ms | errors | SOS without an alert |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| ${settled.length} | ${latencies.length} | ${ms(percentile(latencies, 50), 1)} | ${ms(percentile(latencies, 95), 1)} | ${ms(percentile(latencies, 99), 1)} | ${ms(percentile(latencies, 100), 1)} | ${errors} | ${unalerted} |
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
