import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import type WebSocket from 'ws';
import { BecomeVolunteerDocument, SetAvailabilityDocument, type Skill } from '../../sdk/index';
import { loadConfig } from '../../src/config';
import { destination, type Point } from '../../src/platform/geo';
import { signUp } from '../../test/helpers/actors';
import { spawnServer, stopServer, type ServerProcess } from '../../test/helpers/spawn-server';
import { clientFactory } from '../../test/helpers/test-environment';
import { openAlertSocket, type AlertSubscriber } from '../lib/alert-sockets';
import { inBatches } from '../lib/batches';
import { CENTRE, sequence } from '../lib/city';
import { BENCH_JWT_SECRET, apiNodeArgs, benchEnvironment, type BenchEnvironment } from '../lib/environment';
import { ms, percentile } from '../lib/percentiles';
import { cpuMs, cpuMsOfAll, cpuSpent, eventLoopDelay, metricValue, rssBytes, type EventLoopDelay } from '../lib/process-usage';
import type { ScenarioReport } from '../lib/report';

const VOLUNTEERS = 5000;
const CITY_RADIUS_METERS = 5000;
/** The rate the targets are set at, and the burst at twice it (past what one instance sustains). */
const RAISES_PER_SECOND = 100;
const BURST_RAISES_PER_SECOND = 200;
const WARM_UP_RAISES = 10;
/** The API's step timeout (its default): an alert's expiresAt less this is when its step decided it. */
const STEP_TIMEOUT_MS = loadConfig({}).SOS_STEP_TIMEOUT_SECONDS * 1000;
/** After the last raise, the wave waits this long at least, and at most until every SOS is alerted or this maximum. */
const DRAIN_MIN_MS = 2000;
const DRAIN_MAX_MS = 60_000;
const SETUP_CONCURRENCY = 16;
const SOCKETS_AT_ONCE = 250;
const REST_SECONDS = 3;
const OTHER_SKILLS: Skill[] = ['CPR', 'FIREFIGHTING', 'MEDICAL', 'MENTAL_HEALTH', 'NURSING', 'SEARCH_AND_RESCUE', 'SIGN_LANGUAGE', 'TRANSPORT'];
const RAISE = 'mutation($input: RaiseSosInput!) { raiseSos(input: $input) { id alertedCount } }';
/** Only what a deployment would set anyway: the set-up of 6,000 accounts comes from one address. */
const API_SETTINGS = { REGISTRATIONS_PER_IP_PER_HOUR: '100000', ACCESS_TOKEN_TTL_SECONDS: '3600' };

interface Account {
  id: string;
  accessToken: string;
}
interface World {
  volunteers: (Account & AlertSubscriber)[];
  requesters: Account[];
}

interface WaveResult {
  raised: number;
  errors: number;
  firstAlertMs: number[];
  /** Of the first-alert latency (API only): from sending raiseSos to the matching step deciding the alert, and from there to the socket. */
  toStepMs: number[];
  stepToSocketMs: number[];
  /** By the order the SOS were raised in: its first alert's latency, or null (not raised or never alerted). */
  firstAlertByOrder: (number | null)[];
  /** From the last raise to the last first alert. */
  drainMs: number;
  answeredMs: number[];
  unalerted: number;
  cpuMsPerSos: number;
  /** Of which in the kernel (system time): sockets, mostly. */
  systemMsPerSos: number;
  /** PostgreSQL's and Redis's CPU over the wave, per SOS. */
  postgresMsPerSos: number;
  redisMsPerSos: number;
  bytesPerSocket: number;
  /** CPU the server uses with the sockets open and nothing happening. */
  restCpuMsPerSecond: number;
  seconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Everybody as their apps make them, through the API: sign up; volunteers volunteer and go available somewhere in the city. */
async function setUpWorld(url: string, requesters: number): Promise<World> {
  const factory = clientFactory(url);
  const next = sequence(5);
  const volunteers = await inBatches(Array.from({ length: VOLUNTEERS }), SETUP_CONCURRENCY, async (_, i) => {
    const actor = await signUp(factory, { displayName: `Bench volunteer ${i}` });
    const location = destination(CENTRE, Math.sqrt(next()) * CITY_RADIUS_METERS, next() * 360);
    await actor.client.request(BecomeVolunteerDocument, { input: { skills: ['FIRST_AID', OTHER_SKILLS[Math.floor(next() * OTHER_SKILLS.length)]] } });
    await actor.client.request(SetAvailabilityDocument, { available: true, location });
    await actor.client.close();
    return { id: actor.id, accessToken: actor.session.accessToken, location };
  });
  const people = await inBatches(Array.from({ length: requesters }), SETUP_CONCURRENCY, async (_, i) => {
    const actor = await signUp(factory, { displayName: `Bench requester ${i}` });
    await actor.client.close();
    return { id: actor.id, accessToken: actor.session.accessToken };
  });
  return { volunteers, requesters: people };
}

async function raise(url: string, requester: Account, location: Point): Promise<{ sosId: string; sentAt: number; answeredAt: number }> {
  const sentAt = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${requester.accessToken}` },
    body: JSON.stringify({ query: RAISE, variables: { input: { location, category: 'MEDICAL', idempotencyKey: randomUUID() } } }),
  });
  const body = (await response.json()) as { data?: { raiseSos: { id: string } }; errors?: unknown[] };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return { sosId: body.data.raiseSos.id, sentAt, answeredAt: performance.now() };
}

/**
 * One wave against one server: the volunteers' sockets open and subscribe, a few warm-up SOS,
 * then one SOS per requester at the rate, each at a random place in the city (the same places
 * for every server), and time to drain (until every SOS is alerted, within limits).
 */
async function wave(server: ServerProcess, world: World, rate: number, sendLocation: boolean, beforeWave: () => Promise<void> = async () => {}): Promise<WaveResult> {
  const pid = server.child.pid!;
  const wsUrl = server.url.replace(/^http/, 'ws');
  const firstAlert = new Map<string, number>();
  /** When the API's matching step decided the first alert (its expiresAt less the step's timeout), on the performance clock. */
  const offered = new Map<string, number>();
  const onOffer = (sosId: string, expiresAt?: string) => {
    if (firstAlert.has(sosId)) return;
    const now = performance.now();
    firstAlert.set(sosId, now);
    if (expiresAt) offered.set(sosId, now - (Date.now() - (Date.parse(expiresAt) - STEP_TIMEOUT_MS)));
  };
  const sockets: WebSocket[] = [];
  try {
    const idleRss = rssBytes(pid);
    for (let i = 0; i < world.volunteers.length; i += SOCKETS_AT_ONCE) {
      sockets.push(...(await Promise.all(world.volunteers.slice(i, i + SOCKETS_AT_ONCE).map((v) => openAlertSocket(wsUrl, v, sendLocation, onOffer)))));
    }
    await sleep(2000);
    const bytesPerSocket = (rssBytes(pid) - idleRss) / sockets.length;
    const restBefore = cpuMs(pid);
    await sleep(REST_SECONDS * 1000);
    const restAfter = cpuMs(pid);
    const restCpuMsPerSecond = cpuSpent(restAfter, restBefore) / REST_SECONDS;

    const next = sequence(11);
    const place = () => destination(CENTRE, Math.sqrt(next()) * CITY_RADIUS_METERS, next() * 360);
    const raisers = world.requesters.slice(WARM_UP_RAISES);
    for (const requester of world.requesters.slice(0, WARM_UP_RAISES)) await raise(server.url, requester, place());
    await sleep(1000);
    firstAlert.clear();
    await beforeWave();

    const cpuBefore = cpuMs(pid);
    const postgresBefore = cpuMsOfAll('postgres');
    const redisBefore = cpuMsOfAll('redis-server');
    const started = performance.now();
    const settled = await Promise.allSettled(
      raisers.map(async (requester, i) => {
        const location = place();
        await sleep(started + (i * 1000) / rate - performance.now());
        return raise(server.url, requester, location);
      }),
    );
    const lastRaised = started + ((raisers.length - 1) * 1000) / rate;
    const ok = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    await sleep(lastRaised + DRAIN_MIN_MS - performance.now());
    while (ok.some((r) => !firstAlert.has(r.sosId)) && performance.now() < lastRaised + DRAIN_MAX_MS) await sleep(100);
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = cpuMs(pid);
    const latency = (r: { sosId: string; sentAt: number }) => (firstAlert.has(r.sosId) ? firstAlert.get(r.sosId)! - r.sentAt : null);
    return {
      raised: settled.length,
      errors: settled.length - ok.length,
      firstAlertMs: ok.flatMap((r) => latency(r) ?? []),
      toStepMs: ok.flatMap((r) => (offered.has(r.sosId) ? [offered.get(r.sosId)! - r.sentAt] : [])),
      stepToSocketMs: ok.flatMap((r) => (offered.has(r.sosId) ? [firstAlert.get(r.sosId)! - offered.get(r.sosId)!] : [])),
      firstAlertByOrder: settled.map((s) => (s.status === 'fulfilled' ? latency(s.value) : null)),
      drainMs: Math.max(0, ...ok.map((r) => firstAlert.get(r.sosId) ?? 0)) - lastRaised,
      answeredMs: ok.map((r) => r.answeredAt - r.sentAt),
      unalerted: ok.filter((r) => !firstAlert.has(r.sosId)).length,
      cpuMsPerSos: cpuSpent(cpuAfter, cpuBefore) / settled.length,
      systemMsPerSos: (cpuAfter.system - cpuBefore.system) / settled.length,
      postgresMsPerSos: (cpuMsOfAll('postgres') - postgresBefore) / settled.length,
      redisMsPerSos: (cpuMsOfAll('redis-server') - redisBefore) / settled.length,
      bytesPerSocket,
      restCpuMsPerSecond,
      seconds,
    };
  } finally {
    for (const socket of sockets) socket.terminate();
  }
}

/** The minimal server (bench/servers/minimal-server.ts), with the same volunteers in a GEO set of its own. */
async function minimalServer(environment: BenchEnvironment, world: World): Promise<{ server: ServerProcess; close(): Promise<void> }> {
  const { REDIS_URL, REDIS_KEY_PREFIX, DATABASE_URL } = environment.env();
  const geoKey = `${REDIS_KEY_PREFIX}minimal:geo`;
  const redis = new Redis(REDIS_URL!);
  try {
    await redis.geoadd(geoKey, ...world.volunteers.flatMap((v) => [v.location.longitude, v.location.latitude, v.id]));
  } finally {
    await redis.quit();
  }
  const server = await spawnServer(
    { DATABASE_URL, REDIS_URL, JWT_SECRET: BENCH_JWT_SECRET, GEO_KEY: geoKey, CHANNEL_PREFIX: `${REDIS_KEY_PREFIX}minimal:alert:` },
    'bench/servers/minimal-server.ts',
  );
  return { server, close: () => stopServer(server) };
}

/** API / minimal server; none when the minimal server's figure is too small to divide by. */
const ratio = (api: number, minimal: number) => (minimal >= 0.05 ? (api / minimal).toFixed(1) : '–');

function table(api: WaveResult, minimal: WaveResult, loop: EventLoopDelay): string {
  const row = (label: string, a: number, m: number, digits = 1) => `| ${label} | ${ms(a, digits)} | ${ms(m, digits)} | ${ratio(a, m)} |`;
  const p = (values: number[], q: number) => percentile(values, q);
  return [
    '| figure | API | minimal server | ratio |',
    '| --- | ---: | ---: | ---: |',
    row('raiseSos → first alert at a socket, p50 ms', p(api.firstAlertMs, 50), p(minimal.firstAlertMs, 50)),
    row('same, p95 ms', p(api.firstAlertMs, 95), p(minimal.firstAlertMs, 95)),
    row('same, p99 ms', p(api.firstAlertMs, 99), p(minimal.firstAlertMs, 99)),
    row('same, max ms', p(api.firstAlertMs, 100), p(minimal.firstAlertMs, 100)),
    `| of which raiseSos → the step deciding the alert, p50 / p99 ms | ${ms(p(api.toStepMs, 50), 1)} / ${ms(p(api.toStepMs, 99), 1)} | | |`,
    `| of which that step → the alert at the socket, p50 / p99 ms | ${ms(p(api.stepToSocketMs, 50), 1)} / ${ms(p(api.stepToSocketMs, 99), 1)} | | |`,
    row('raiseSos HTTP response, p50 ms', p(api.answeredMs, 50), p(minimal.answeredMs, 50)),
    row('raiseSos HTTP response, p99 ms', p(api.answeredMs, 99), p(minimal.answeredMs, 99)),
    row('server CPU per SOS (whole wave), ms', api.cpuMsPerSos, minimal.cpuMsPerSos, 2),
    row('of which system (kernel) time, ms', api.systemMsPerSos, minimal.systemMsPerSos, 2),
    row('PostgreSQL CPU per SOS (all its processes), ms', api.postgresMsPerSos, minimal.postgresMsPerSos, 2),
    row('Redis CPU per SOS, ms', api.redisMsPerSos, minimal.redisMsPerSos, 2),
    row('memory per idle subscribed socket, KB', api.bytesPerSocket / 1024, minimal.bytesPerSocket / 1024),
    row('server CPU at rest with the sockets open, ms per s', api.restCpuMsPerSecond, minimal.restCpuMsPerSecond),
    `| SOS raised / alerted / errors / without an alert | ${api.raised} / ${api.firstAlertMs.length} / ${api.errors} / ${api.unalerted} | ${minimal.raised} / ${minimal.firstAlertMs.length} / ${minimal.errors} / ${minimal.unalerted} | |`,
    `| last first alert after the last raise, s | ${(api.drainMs / 1000).toFixed(1)} | ${(minimal.drainMs / 1000).toFixed(1)} | |`,
    `| wave incl. drain, s | ${api.seconds.toFixed(1)} | ${minimal.seconds.toFixed(1)} | |`,
    '',
    `API event-loop delay during the wave (ms): p50 ${ms(loop.p50)}, p90 ${ms(loop.p90)}, p99 ${ms(loop.p99)}, max ${ms(loop.max)}, mean ${ms(loop.mean)}.`,
  ].join('\n');
}

/** First-alert latency by when the SOS was raised (fifths of the wave): under a burst, whether the early SOS kept fast alerts. */
function byOrderTable(api: WaveResult, minimal: WaveResult): string {
  const fifth = Math.ceil(api.firstAlertByOrder.length / 5);
  const rows = [0, 1, 2, 3, 4].map((k) => {
    const part = (r: WaveResult) => r.firstAlertByOrder.slice(k * fifth, (k + 1) * fifth);
    const alerted = (r: WaveResult) => part(r).flatMap((v) => v ?? []);
    const p = (r: WaveResult, q: number) => ms(percentile(alerted(r), q), 1);
    const lost = part(api).filter((v) => v === null).length;
    return `| ${k * fifth + 1}–${Math.min((k + 1) * fifth, api.firstAlertByOrder.length)} | ${p(api, 50)} | ${p(api, 99)} | ${p(minimal, 50)} | ${p(minimal, 99)} | ${lost} |`;
  });
  return ['| SOS (in the order raised) | API p50 ms | API p99 ms | minimal p50 ms | minimal p99 ms | API: not alerted |', '| --- | ---: | ---: | ---: | ---: | ---: |', ...rows].join('\n');
}

interface SosWave {
  name: string;
  title: string;
  rate: number;
  /** What this wave shows, after the common description. */
  purpose: string;
}

/**
 * Time from sending raiseSos to the first alert arriving at a volunteer's socket, with 5,000
 * volunteers connected and subscribed and SOS raised at a sustained rate, beside the minimal
 * server doing the least any implementation must do, in the same run.
 */
async function sosWaveScenario(spec: SosWave, durationSeconds: number): Promise<ScenarioReport> {
  const environment = await benchEnvironment(spec.name);
  const raises = spec.rate * durationSeconds;
  try {
    let server = await spawnServer(environment.env(API_SETTINGS));
    const setUpStarted = Date.now();
    let world: World;
    try {
      world = await setUpWorld(server.url, raises + WARM_UP_RAISES);
    } finally {
      await stopServer(server);
    }
    const setUpSeconds = (Date.now() - setUpStarted) / 1000;

    // A fresh API: nothing of the set-up stays in its memory.
    server = await spawnServer(environment.env(API_SETTINGS), undefined, apiNodeArgs());
    let api: WaveResult;
    let loop: EventLoopDelay;
    let queued: number;
    try {
      api = await wave(server, world, spec.rate, true, async () => void (await eventLoopDelay(server.url)));
      loop = await eventLoopDelay(server.url);
      queued = await metricValue(server.url, 'sos_matching_shared_total');
    } finally {
      await stopServer(server);
    }
    const minimal = await minimalServer(environment, world);
    let yardstick: WaveResult;
    try {
      yardstick = await wave(minimal.server, world, spec.rate, false);
    } finally {
      await minimal.close();
    }

    return {
      name: spec.name,
      title: spec.title,
      body: `
${VOLUNTEERS.toLocaleString('en')} volunteers and ${(raises + WARM_UP_RAISES).toLocaleString('en')} requesters signed up through the API as their apps do (volunteers: \`becomeVolunteer\`, then \`setAvailability\` at a random place within ${CITY_RADIUS_METERS / 1000} km; ${setUpSeconds.toFixed(0)} s), then the API restarted.
Each volunteer opens a graphql-ws socket, sends \`updateLocation\` and subscribes to \`sosAlerts\`; after ${WARM_UP_RAISES} warm-up SOS, ${raises.toLocaleString('en')} SOS are raised over HTTP at ${spec.rate} per second, each by a different person at a random place in the city.
Latency: from sending \`raiseSos\` to the first OFFERED alert of that SOS arriving at any volunteer's socket. One API instance (production mode, default settings but for registrations per IP and a 1-hour token), the sockets and the load in one other process on the same 2 cores.
In the same run, the minimal server (\`bench/servers/minimal-server.ts\`: per SOS one INSERT, one Redis GEOSEARCH, one publish to the nearest volunteer's socket) with the same sockets, places and rate.
CPU: the server process's user + system time over the wave and its drain, per SOS (and the same for PostgreSQL's and Redis's processes, which share the cores). Memory: the server's RSS growth from opening the subscribed sockets, per socket.
${spec.purpose}

${table(api, yardstick, loop)}
SOS whose first step went to the shared queue because the API had SOS_MATCHING_QUEUE_LENGTH waiting: ${queued}.

${byOrderTable(api, yardstick)}
`,
    };
  } finally {
    await environment.close();
  }
}

export const sosAlertScenario = (durationSeconds: number) =>
  sosWaveScenario(
    {
      name: 'sos',
      title: "SOS: raiseSos to the first alert on a volunteer's socket, beside a minimal server",
      rate: RAISES_PER_SECOND,
      purpose: 'Targets (issue 16): first alert p99 ≤ 50 ms and ≤ 5× the minimal server\'s; CPU per SOS ≤ 3 ms and ≤ 2×.',
    },
    durationSeconds,
  );

export const sosBurstScenario = (durationSeconds: number) =>
  sosWaveScenario(
    {
      name: 'sos-burst',
      title: 'SOS past saturation: twice the rate one instance sustains',
      rate: BURST_RAISES_PER_SECOND,
      purpose:
        'What the burst is to show (issue 16): every SOS acknowledged and alerted, none lost; the SOS raised first keep fast alerts while the later ones wait their turn in the matching queue (SOS_MATCHING_CONCURRENCY), instead of all of them sharing one saturated event loop.',
    },
    durationSeconds,
  );
