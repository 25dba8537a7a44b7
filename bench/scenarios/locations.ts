import Redis from 'ioredis';
import { BecomeVolunteerDocument, SetAvailabilityDocument } from '../../sdk/index';
import { destination } from '../../src/platform/geo';
import { signUp } from '../../test/helpers/actors';
import { spawnServer, stopServer, type ServerProcess } from '../../test/helpers/spawn-server';
import { clientFactory } from '../../test/helpers/test-environment';
import { inBatches } from '../lib/batches';
import { CENTRE, sequence } from '../lib/city';
import { BENCH_JWT_SECRET, apiNodeArgs, benchEnvironment } from '../lib/environment';
import { ms } from '../lib/percentiles';
import { cpuMs, cpuSpent } from '../lib/process-usage';
import type { ScenarioReport } from '../lib/report';
import { runWebSocketLoad, type WebSocketLoadResult } from '../lib/ws-load';

const VOLUNTEERS = 1000;
const CONNECTIONS = 64;
const WARM_UP_SECONDS = 3;
const QUERY = 'mutation($location: GeoPointInput!, $speedMps: Float) { updateLocation(location: $location, speedMps: $speedMps) { nextUpdateInSeconds } }';

interface Run extends WebSocketLoadResult {
  /** Server CPU per update, microseconds. */
  cpuMicros: number;
}

/** Flat out over graphql-ws: each of the connections sends one update after another, moving its volunteer a little each time. */
async function flatOut(server: ServerProcess, volunteers: { accessToken: string; location: { latitude: number; longitude: number } }[], seconds: number): Promise<Run> {
  const load = (durationSeconds: number) =>
    runWebSocketLoad({
      wsUrl: server.url.replace(/^http/, 'ws'),
      tokens: volunteers.slice(0, CONNECTIONS).map((v) => v.accessToken),
      connections: CONNECTIONS,
      durationSeconds,
      payload: (connection, n) => ({ query: QUERY, variables: { location: destination(volunteers[connection].location, (n % 30) + 1, (n * 37) % 360), speedMps: 1.2 } }),
    });
  await load(WARM_UP_SECONDS);
  const before = cpuMs(server.child.pid!);
  const result = await load(seconds);
  const after = cpuMs(server.child.pid!);
  return { ...result, cpuMicros: (cpuSpent(after, before) * 1000) / Math.max(1, result.operations) };
}

/**
 * `updateLocation` over the volunteers' own graphql-ws sockets, flat out from 64 of them, against
 * the minimal server in the same run. Volunteers are made through the API and the API restarted
 * before the measurement, as in a deployment.
 */
export async function locationsScenario(durationSeconds: number): Promise<ScenarioReport> {
  const environment = await benchEnvironment('locations');
  const settings = { REGISTRATIONS_PER_IP_PER_HOUR: '100000', ACCESS_TOKEN_TTL_SECONDS: '3600' };
  try {
    let server = await spawnServer(environment.env(settings));
    const factory = clientFactory(server.url);
    const next = sequence(9);
    const volunteers = await inBatches(Array.from({ length: VOLUNTEERS }), 16, async () => {
      const actor = await signUp(factory);
      const location = destination(CENTRE, Math.sqrt(next()) * 5000, next() * 360);
      await actor.client.request(BecomeVolunteerDocument, { input: { skills: ['FIRST_AID'] } });
      await actor.client.request(SetAvailabilityDocument, { available: true, location });
      await actor.client.close();
      return { accessToken: actor.session.accessToken, location };
    });
    await stopServer(server);

    server = await spawnServer(environment.env(settings), undefined, apiNodeArgs());
    let api: Run;
    try {
      api = await flatOut(server, volunteers, durationSeconds);
    } finally {
      await stopServer(server);
    }

    const { REDIS_URL, REDIS_KEY_PREFIX, DATABASE_URL } = environment.env();
    const minimal = await spawnServer(
      { DATABASE_URL, REDIS_URL, JWT_SECRET: BENCH_JWT_SECRET, GEO_KEY: `${REDIS_KEY_PREFIX}minimal:geo`, CHANNEL_PREFIX: `${REDIS_KEY_PREFIX}minimal:alert:` },
      'bench/servers/minimal-server.ts',
    );
    let yardstick: Run;
    try {
      yardstick = await flatOut(minimal, volunteers, durationSeconds);
    } finally {
      await stopServer(minimal);
      const redis = new Redis(REDIS_URL!);
      await redis.del(`${REDIS_KEY_PREFIX}minimal:geo`).finally(() => redis.quit());
    }

    const row = (name: string, r: Run) => `| ${name} | ${Math.round(r.perSecond)} | ${ms(r.p50, 1)} | ${ms(r.p99, 1)} | ${Math.round(r.cpuMicros)} | ${r.errors} |`;
    return {
      name: 'locations',
      title: '`updateLocation` over the volunteers’ WebSockets, beside a minimal server',
      body: `
${VOLUNTEERS.toLocaleString('en')} volunteers signed up, volunteered and went available through the API, then the API restarted (production mode). ${CONNECTIONS} of them each hold a graphql-ws socket and send \`updateLocation\` one after another, flat out, moving a few metres each time; ${durationSeconds} s after a ${WARM_UP_SECONDS} s warm-up. Load generator on the same 2 cores.
Minimal server (\`bench/servers/minimal-server.ts\`): per update one Redis GEOADD and the answer, same sockets and load. "CPU µs": the server process's CPU time per update.
Targets (issue 16): ≥ 8,000 updates/s with p99 ≤ 20 ms on one instance.

| server | updates/s | p50 ms | p99 ms | CPU µs/update | errors |
| --- | ---: | ---: | ---: | ---: | ---: |
${row('CareConnect API', api)}
${row('minimal server', yardstick)}

**Ratio (API / minimal): throughput ${(api.perSecond / yardstick.perSecond).toFixed(2)}, CPU per update ${(api.cpuMicros / yardstick.cpuMicros).toFixed(1)}.**
`,
    };
  } finally {
    await environment.close();
  }
}
