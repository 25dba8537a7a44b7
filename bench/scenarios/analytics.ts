import { cellToParent, latLngToCell } from 'h3-js';
import { Client } from 'pg';
import { LoginDocument, ResponseStatsDocument, TopRespondersDocument } from '../../sdk/index';
import { responseStatsQueries, STATS_SETTINGS, type StatsGrouping } from '../../src/modules/analytics/analytics.repository';
import { COARSE_RESOLUTION, destination } from '../../src/platform/geo';
import { hashPassword } from '../../src/platform/auth';
import { PASSWORD } from '../../test/helpers/actors';
import { spawnServer, stopServer } from '../../test/helpers/spawn-server';
import { clientFactory } from '../../test/helpers/test-environment';
import { CENTRE } from '../lib/city';
import { benchEnvironment } from '../lib/environment';
import { ms, percentile } from '../lib/percentiles';
import type { ScenarioReport } from '../lib/report';

const SOS = 1_000_000;
const REQUESTERS = 100_000;
const VOLUNTEERS = 5_000;
const BATCH = 20_000;
const RUNS = 5;
const YEAR_MS = 365 * 86_400_000;
const COARSENED_AFTER_MS = 90 * 86_400_000;

/**
 * `responseStats` (by DAY, WEEK, AREA) and `topResponders` over a year of 1,000,000 SOS, through
 * the API, beside the same SQL run bare on a pg connection (the least any implementation does),
 * with the plan. A million SOS cannot be raised through the API on this machine (at ~100/s that
 * is three hours), so they are written with SQL as the API writes them: closed, with the
 * per-SOS facts the statistics read (first alert, acceptance, arrival, escalation, offers made and
 * accepted, H3 cell), their requesters and volunteers as rows. The staff member asking signs in
 * through the API, and the API starts after the data is written (cold caches but PostgreSQL's).
 */
export async function analyticsScenario(): Promise<ScenarioReport> {
  const environment = await benchEnvironment('analytics');
  const db = new Client({ connectionString: environment.databaseUrl });
  await db.connect();
  try {
    const seeded = Date.now();
    await seed(db);
    const seedSeconds = (Date.now() - seeded) / 1000;
    await db.query('VACUUM ANALYZE sos_requests');

    // Staff accounts are made by an operator (npm run user:create does the same), then sign in through the API.
    const email = 'admin@bench.careconnect.dev';
    const admin = await db.query<{ id: string }>(`INSERT INTO users (id, email, display_name, role, updated_at) VALUES (gen_random_uuid(), $1, 'Bench admin', 'ADMIN', now()) RETURNING id`, [email]);
    await db.query('INSERT INTO credentials (user_id, password_hash, updated_at) VALUES ($1, $2, now())', [admin.rows[0].id, await hashPassword(PASSWORD, 10)]);
    const server = await spawnServer(environment.env({ ACCESS_TOKEN_TTL_SECONDS: '3600' }));
    // A new instance's first retention run coarsens the year's old locations (in batches): measured after it, not during.
    const retentionStarted = Date.now();
    while ((await db.query('SELECT 1 FROM retention_runs WHERE finished_at IS NOT NULL')).rowCount === 0) await new Promise((resolve) => setTimeout(resolve, 500));
    const retentionSeconds = (Date.now() - retentionStarted) / 1000;
    await db.query('VACUUM ANALYZE sos_requests');
    const staff = clientFactory(server.url).client();
    staff.setSession((await staff.request(LoginDocument, { input: { email, password: PASSWORD } })).login);
    const to = new Date();
    const from = new Date(to.getTime() - YEAR_MS);
    const rows: string[] = [];
    const plans: string[] = [];
    const second = new Client({ connectionString: environment.databaseUrl });
    await second.connect();
    // As the API runs them: in a transaction each, with its settings, JIT off (as on the API's pool), side by side.
    const inTransaction = async (client: Client, text: string, values: unknown[]) => {
      await client.query(`BEGIN; SET LOCAL jit = off; ${STATS_SETTINGS.join('; ')}`);
      try {
        return await client.query(text, values);
      } finally {
        await client.query('COMMIT');
      }
    };
    try {
      for (const groupBy of ['DAY', 'WEEK', 'AREA'] as StatsGrouping[]) {
        const by = groupBy === 'AREA' ? 7 : 'UTC';
        const ask = () => staff.request(ResponseStatsDocument, { from: from.toISOString(), to: to.toISOString(), groupBy, resolution: groupBy === 'AREA' ? 7 : null });
        const q = responseStatsQueries(from, to, groupBy, by);
        const bareRun = () => Promise.all([inTransaction(db, q.grouped, q.groupedValues), inTransaction(second, q.total, q.totalValues)]);
        const bare = await timed(bareRun);
        const viaApi = await timed(ask);
        const [groups] = await bareRun();
        rows.push(`| responseStats ${groupBy} (${groups.rowCount} groups) | ${ms(viaApi.p50)} | ${ms(bare.p50)} | ${(viaApi.p50 / bare.p50).toFixed(2)} |`);
        if (groupBy === 'DAY') {
          for (const [name, text, values] of [['by day', q.grouped, q.groupedValues], ['total', q.total, q.totalValues]] as const) {
            const plan = await inTransaction(db, `EXPLAIN (ANALYZE, BUFFERS) ${text}`, [...values]);
            plans.push(`DAY, ${name}:\n\n\`\`\`\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}\n\`\`\``);
          }
        }
      }
      const top = await timed(() => staff.request(TopRespondersDocument, { from: from.toISOString(), to: to.toISOString(), first: 20 }));
      rows.push(`| topResponders (20; exact medians per volunteer) | ${ms(top.p50)} | | |`);
    } catch (err) {
      // What the API said about it (its logs), for whoever has to find out why.
      const problems = server.logs.filter((record) => Number(record.level) >= 40 || record.level === 'warn' || record.level === 'error');
      throw new Error(`${(err as Error).message}; API logs: ${JSON.stringify(problems.slice(-5))}`);
    } finally {
      await second.end();
      await staff.close();
      await stopServer(server);
    }

    const body = `A year of ${SOS.toLocaleString('en')} SOS (${REQUESTERS.toLocaleString('en')} requesters, ${VOLUNTEERS.toLocaleString('en')} volunteers, about 10 % cancelled, 8 % escalated), written with SQL in ${seedSeconds.toFixed(0)} s (see bench/scenarios/analytics.ts for why not through the API); the API started afterwards, and its first retention run took ${retentionSeconds.toFixed(0)} s before the questions were asked (the SOS older than 90 days are written coarsened, as retention leaves them). Each figure is the median of ${RUNS} runs, one at a time, over the whole year; "bare SQL" is the API's two statements (by group, in total) run side by side on two pg connections, as the API runs them.

| question (a year, ${SOS.toLocaleString('en')} SOS) | API, ms | bare SQL, ms | API / SQL |
| --- | ---: | ---: | ---: |
${rows.join('\n')}

Plans (EXPLAIN ANALYZE, BUFFERS):

${plans.join('\n\n')}
`;
    return { name: 'analytics', title: 'Response statistics over a year of SOS (npm run bench -- analytics)', body };
  } finally {
    await db.end();
    await environment.close();
  }
}

/** Runs `call` RUNS times after one warm-up; the median in ms. */
async function timed(call: () => Promise<unknown>): Promise<{ p50: number }> {
  await call();
  const took: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    await call();
    took.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { p50: percentile(took, 50) };
}

/** Requesters, volunteers, then the SOS in batches (their cells computed here: SQL has no H3). */
export async function seed(db: Client): Promise<void> {
  await db.query(
    `INSERT INTO users (id, email, display_name, role, updated_at)
     SELECT gen_random_uuid(), 'person-' || g || '@bench.careconnect.dev', 'Person ' || g, CASE WHEN g <= $2 THEN 'VOLUNTEER' ELSE 'USER' END::"Role", now()
       FROM generate_series(1, $1) g`,
    [REQUESTERS + VOLUNTEERS, VOLUNTEERS],
  );
  await db.query(
    `INSERT INTO volunteer_profiles (id, user_id, skills, available, updated_at)
     SELECT gen_random_uuid(), id, ARRAY['FIRST_AID']::"Skill"[], true, now() FROM users WHERE role = 'VOLUNTEER'`,
  );
  const requesterIds = (await db.query<{ id: string }>(`SELECT id FROM users WHERE role = 'USER'`)).rows.map((r) => r.id);
  const volunteerIds = (await db.query<{ id: string }>('SELECT id FROM volunteer_profiles')).rows.map((r) => r.id);
  const pick = (ids: string[]) => ids[Math.floor(Math.random() * ids.length)];
  const now = Date.now();
  for (let done = 0; done < SOS; done += BATCH) {
    const requesters: string[] = [];
    const volunteers: string[] = [];
    const lat: number[] = [];
    const lng: number[] = [];
    const cells: string[] = [];
    const created: Date[] = [];
    for (let i = 0; i < BATCH; i++) {
      const point = destination(CENTRE, 15_000 * Math.sqrt(Math.random()), Math.random() * 360);
      const at = now - Math.random() * YEAR_MS;
      // As retention leaves them in a deployment that has run for a year: older than 90 days, coarsened.
      const coarse = at < now - COARSENED_AFTER_MS;
      const where = coarse ? { latitude: Math.round(point.latitude * 100) / 100, longitude: Math.round(point.longitude * 100) / 100 } : point;
      lat.push(where.latitude);
      lng.push(where.longitude);
      const finest = latLngToCell(point.latitude, point.longitude, 15);
      cells.push(BigInt(`0x${coarse ? cellToParent(finest, COARSE_RESOLUTION) : finest}`).toString());
      created.push(new Date(at));
      requesters.push(pick(requesterIds));
      volunteers.push(pick(volunteerIds));
    }
    // Outcomes: r < 0.10 cancelled, r < 0.18 escalated (then resolved by staff), else accepted and resolved.
    await db.query(
      `WITH input AS (SELECT * FROM unnest($1::float8[], $2::float8[], $3::bigint[], $4::timestamptz[], $5::uuid[], $6::uuid[]) AS t(lat, lng, cell, created_at, requester_id, volunteer_id)),
            drawn AS (SELECT *, random() AS r, 0.05 + random() * 2 AS alert_s, 10 + random() * 110 AS accept_s, 60 + random() * 840 AS travel_s FROM input)
       INSERT INTO sos_requests (id, requester_id, idempotency_key, category, location, status, search_radius_m, assigned_volunteer_id, created_at, updated_at,
                                 first_alert_at, accepted_at, arrived_at, closed_at, escalated_at, alerts_offered, alerts_accepted, h3_cell, rating, last_seq,
                                 location_coarsened_at)
       SELECT gen_random_uuid(), requester_id, gen_random_uuid()::text, 'MEDICAL', ST_SetSRID(ST_MakePoint(lng, lat), 4326)::geography,
              CASE WHEN r < 0.10 THEN 'CANCELLED' ELSE 'RESOLVED' END::"SosStatus", 1000,
              CASE WHEN r >= 0.18 THEN volunteer_id END,
              created_at, created_at,
              CASE WHEN r >= 0.10 THEN created_at + alert_s * interval '1 second' END,
              CASE WHEN r >= 0.18 THEN created_at + accept_s * interval '1 second' END,
              CASE WHEN r >= 0.18 THEN created_at + (accept_s + travel_s) * interval '1 second' END,
              created_at + (accept_s + travel_s + 600) * interval '1 second',
              CASE WHEN r >= 0.10 AND r < 0.18 THEN created_at + 60 * interval '1 second' END,
              CASE WHEN r >= 0.10 THEN 5 ELSE 0 END, CASE WHEN r >= 0.18 THEN 1 ELSE 0 END, cell,
              CASE WHEN r >= 0.18 AND random() < 0.5 THEN 1 + floor(random() * 5)::int END, 4,
              CASE WHEN created_at < now() - interval '90 days' THEN created_at + interval '90 days' END
         FROM drawn`,
      [lat, lng, cells, created, requesters, volunteers],
    );
  }
}
