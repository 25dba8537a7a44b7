import autocannon from 'autocannon';
import jwt from 'jsonwebtoken';
import { destination, type Point } from '../../src/platform/geo';
import { spawnServer, stopServer } from '../../test/helpers/spawn-server';
import { CENTRE, CITY_RADIUS_METERS, seedCity, sequence } from '../lib/city';
import { BENCH_JWT_SECRET, benchEnvironment } from '../lib/environment';
import { inProcessModules } from '../lib/in-process';
import { ms, percentile } from '../lib/percentiles';
import { cpuMs, cpuSpent } from '../lib/process-usage';
import { runWebSocketLoad } from '../lib/ws-load';
import type { ScenarioReport } from '../lib/report';
import type { Skill } from '../../src/modules/volunteers';

const VOLUNTEERS = 100_000;
const SEARCHES_PER_CASE = 1000;
const UPDATING_VOLUNTEERS = 5000;
const CONNECTIONS = 64;

type SearchCase = { label: string; path: 'redis' | 'postgis' | 'auto'; radius: number; skills: Skill[] };

const NO_MATCH: Skill[] = ['SIGN_LANGUAGE', 'NURSING'];
const SEARCH_CASES: SearchCase[] = [
  ...(['redis', 'postgis'] as const).flatMap((path) => [
    ...[1000, 5000, 10_000].map((radius) => ({ label: path === 'redis' ? 'Redis GEO' : 'PostGIS', path, radius, skills: [] })),
    { label: path === 'redis' ? 'Redis GEO' : 'PostGIS', path, radius: 10_000, skills: ['MEDICAL'] as Skill[] },
  ]),
  { label: 'PostGIS', path: 'postgis', radius: 10_000, skills: NO_MATCH },
  { label: 'Redis, handing over to PostGIS', path: 'auto', radius: 10_000, skills: NO_MATCH },
];

async function searchLatencies(env: NodeJS.ProcessEnv): Promise<string[]> {
  const { modules, close } = await inProcessModules(env);
  const rows: string[] = [];
  try {
    await modules.volunteerSearch.rebuildIndex();
    for (const { label, path, radius, skills } of SEARCH_CASES) {
      const next = sequence(radius + skills.length);
      const place = () => destination(CENTRE, Math.sqrt(next()) * 10_000, next() * 360);
      const search = (point: Point) =>
        path === 'auto'
          ? modules.volunteerSearch.findNearbyVolunteers(point, radius, { limit: 20, skills })
          : modules.volunteerSearch.search(path, point, radius, { limit: 20, skills });
      for (let i = 0; i < 100; i++) await search(place());
      const latencies: number[] = [];
      let found = 0;
      for (let i = 0; i < SEARCHES_PER_CASE; i++) {
        const started = process.hrtime.bigint();
        found += (await search(place())).length;
        latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      const filter = skills.length ? skills.join(' + ') : 'none';
      rows.push(`| ${label} | ${radius / 1000} km | ${filter} | ${ms(percentile(latencies, 50), 3)} | ${ms(percentile(latencies, 99), 3)} | ${ms(found / SEARCHES_PER_CASE, 1)} |`);
    }
  } finally {
    await close();
  }
  return rows;
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  return cpuSpent(cpuMs(pid)) / 1000;
}

export interface UpdateRun {
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  /** Server CPU per update, in microseconds. */
  cpuMicros: number;
}

/**
 * Location updates through the API: first flat out (what one instance sustains on what the
 * load generator leaves of the machine), then at 80 % of that rate (the latency a volunteer sees
 * when the instance is busy but not saturated).
 */
export async function locationUpdates(env: NodeJS.ProcessEnv, volunteers: { userId: string; point: Point }[], durationSeconds: number, nodeArgs: string[] = []) {
  const server = await spawnServer(env, 'src/main.ts', nodeArgs);
  try {
    const tokens = volunteers.map((v) => jwt.sign({ role: 'VOLUNTEER', typ: 'access' }, BENCH_JWT_SECRET, { subject: v.userId, issuer: 'careconnect', expiresIn: 3600 }));
    const query = 'mutation($location: GeoPointInput!, $speedMps: Float) { updateLocation(location: $location, speedMps: $speedMps) { nextUpdateInSeconds } }';
    const next = sequence(7);
    // Prepared up front, so the load generator spends its share of the CPU sending, not building.
    const prepared = Array.from({ length: 20_000 }, () => {
      const i = Math.floor(next() * volunteers.length);
      const moved = destination(volunteers[i].point, next() * 30, next() * 360);
      return { authorization: `Bearer ${tokens[i]}`, body: JSON.stringify({ query, variables: { location: moved, speedMps: 1.2 } }) };
    });
    let cursor = 0;
    let graphqlErrors = 0;
    const run = async (duration: number, overallRate?: number): Promise<UpdateRun> => {
      graphqlErrors = 0;
      const cpuBefore = cpuSeconds(server.child.pid!);
      const result = await autocannon({
        url: server.url,
        method: 'POST',
        connections: CONNECTIONS,
        duration,
        overallRate,
        headers: { 'content-type': 'application/json' },
        requests: [
          {
            setupRequest: (req) => {
              const { authorization, body } = prepared[cursor++ % prepared.length];
              return { ...req, body, headers: { ...req.headers, authorization } };
            },
            onResponse: (_status, body) => {
              if (body.includes('"errors"')) graphqlErrors += 1;
            },
          },
        ],
      });
      const cpu = cpuSeconds(server.child.pid!) - cpuBefore;
      return {
        perSecond: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: result.errors + result.non2xx + result.timeouts + graphqlErrors,
        cpuMicros: (cpu / Math.max(1, result.requests.total)) * 1e6,
      };
    };
    await run(3);
    const flatOut = await run(durationSeconds);
    const paced = await run(durationSeconds, Math.round(flatOut.perSecond * 0.8));

    // The same updates over the app's WebSocket: authenticated once per connection, no HTTP per update.
    const overSocket = async (duration: number): Promise<UpdateRun> => {
      const cpuBefore = cpuSeconds(server.child.pid!);
      const result = await runWebSocketLoad({
        wsUrl: server.url.replace(/^http/, 'ws'),
        tokens,
        connections: CONNECTIONS,
        durationSeconds: duration,
        payload: (connection, n) => {
          const volunteer = volunteers[connection % volunteers.length];
          return { query, variables: { location: destination(volunteer.point, (n % 30) + 1, (n * 37) % 360), speedMps: 1.2 } };
        },
      });
      const cpu = cpuSeconds(server.child.pid!) - cpuBefore;
      return { perSecond: result.perSecond, p50: result.p50, p99: result.p99, errors: result.errors, cpuMicros: (cpu / Math.max(1, result.operations)) * 1e6 };
    };
    await overSocket(3);
    const webSocket = await overSocket(durationSeconds);
    return { flatOut, paced, webSocket };
  } finally {
    await stopServer(server);
  }
}

/**
 * Geo search latency on both paths with 100,000 available volunteers, and location updates
 * through the API from many concurrent clients.
 */
export async function volunteerScenario(durationSeconds: number): Promise<ScenarioReport> {
  const environment = await benchEnvironment('volunteers');
  try {
    const volunteers = await seedCity(environment.databaseUrl);
    const env = environment.env({ VOLUNTEER_STALE_SECONDS: '86400', DATABASE_POOL_SIZE: '10' });
    const searches = await searchLatencies(env);
    const { flatOut, paced, webSocket } = await locationUpdates(env, volunteers, durationSeconds);
    const row = (name: string, r: UpdateRun) => `| ${name} | ${Math.round(r.perSecond)} | ${ms(r.p50, 1)} | ${ms(r.p99, 1)} | ${Math.round(r.cpuMicros)} | ${r.errors} |`;
    return {
      name: 'volunteers',
      title: 'Volunteers: geo search and location updates',
      body: `
**Geo search**, \`findNearbyVolunteers\` (limit 20) called in process, one at a time, ${SEARCHES_PER_CASE} searches per row at points within 10 km of the centre, after 100 warm-up searches.
${VOLUNTEERS.toLocaleString('en')} available volunteers spread evenly over a disc of ${CITY_RADIUS_METERS / 1000} km radius (about 140 per km²).
Every volunteer holds FIRST_AID and one random skill (so about 1 in 9 holds MEDICAL, and nobody holds SIGN_LANGUAGE and NURSING together: the worst case, which Redis hands over to PostGIS after examining 256 candidates).
Targets: Redis p99 ≤ 2 ms, PostGIS p99 ≤ 10 ms.

| path | radius | skills required | p50 ms | p99 ms | found (mean) |
| --- | --- | --- | ---: | ---: | ---: |
${searches.join('\n')}

**Location updates through the API**: \`updateLocation\` over HTTP from ${CONNECTIONS} concurrent connections (autocannon on the same 2 cores), ${UPDATING_VOLUNTEERS.toLocaleString('en')} volunteers each with its own token, a nearby position per request, ${durationSeconds} s per run after a 3 s warm-up: once flat out, once paced at 80 % of that.
Target: ≥ 5,000 updates/s with p99 ≤ 20 ms on one instance. "CPU µs" is the API process's CPU time per update (so one core would carry 1,000,000 / that many per second).

| run | updates/s | p50 ms | p99 ms | CPU µs/update | errors |
| --- | ---: | ---: | ---: | ---: | ---: |
${row('HTTP, flat out', flatOut)}
${row('HTTP, paced at 80 %', paced)}
${row('WebSocket, flat out', webSocket)}

The WebSocket row sends the same mutation over the graphql-ws connection the app holds anyway (${CONNECTIONS} connections, one update in flight each):
the token is checked once per connection and no HTTP request is parsed per update.
`,
    };
  } finally {
    await environment.close();
  }
}
