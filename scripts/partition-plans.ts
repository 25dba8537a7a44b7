// `npm run plans:partitions`: what splitting the SOS tables by city would do to the API's hot
// queries (docs/PARTITIONING.md is its output, edited). On a scratch database, migrated as the
// API's and dropped afterwards, `sos_requests` and `sos_events` become LIST partitions of
// `city_id` (one per city, one for SOS outside every city), each index recreated on them, and are
// filled with CITIES x SOS_PER_CITY SOS and their timelines. Each hot query is then run under
// EXPLAIN ANALYZE (in a transaction rolled back), in the form it has today and, where that reads
// every partition, in the form it would take with the city in its key; the report says which
// partitions each read and which unique indexes could not be kept.
import { Client } from 'pg';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { applyMigrations, ensureDatabase } from '../src/platform/db';

const CITIES = 4;
const SOS_PER_CITY = Number(process.env.SOS_PER_CITY ?? 50_000);
const SPLIT = ['sos_requests', 'sos_events'];

interface HotQuery {
  name: string;
  /** Where the API runs it. */
  where: string;
  sql: string;
  /** The same question with the city in its key, when `sql` reads every partition. */
  keyed?: string;
}

// Literal ids picked from the loaded data: `:sos`, `:city`, `:requester`, `:volunteer`.
const HOT: HotQuery[] = [
  {
    name: 'lock an SOS for a change',
    where: 'SosRepository.lock (every accept, arrival, step, cancel, resolve)',
    sql: `SELECT * FROM sos_requests s WHERE s.id = :sos FOR UPDATE`,
    keyed: `SELECT * FROM sos_requests s WHERE s.id = :sos AND s.city_id = :city FOR UPDATE`,
  },
  {
    name: 'append to the timeline',
    where: 'SosRepository.appendEvent',
    sql: `WITH next AS (UPDATE sos_requests SET last_seq = last_seq + 1 WHERE id = :sos RETURNING last_seq, city_id)
          INSERT INTO sos_events (id, sos_id, seq, type, at, city_id) SELECT gen_random_uuid(), :sos, last_seq, 'ARRIVED', now(), city_id FROM next`,
    keyed: `WITH next AS (UPDATE sos_requests SET last_seq = last_seq + 1 WHERE id = :sos AND city_id = :city RETURNING last_seq, city_id)
          INSERT INTO sos_events (id, sos_id, seq, type, at, city_id) SELECT gen_random_uuid(), :sos, last_seq, 'ARRIVED', now(), city_id FROM next`,
  },
  {
    name: 'replay a timeline (sosUpdates afterSeq)',
    where: 'SosRepository.eventsAfter',
    sql: `SELECT * FROM sos_events WHERE sos_id = :sos AND seq > 1 ORDER BY seq`,
    keyed: `SELECT * FROM sos_events WHERE sos_id = :sos AND city_id = :city AND seq > 1 ORDER BY seq`,
  },
  {
    name: 'recent SOS of a requester (rate limit, idempotent retry)',
    where: 'SosRepository.raise (its prior-raises part), at every raiseSos',
    sql: `SELECT count(*) FROM sos_requests WHERE requester_id = :requester AND created_at > now() - interval '1 hour'`,
    keyed: `SELECT count(*) FROM sos_requests WHERE requester_id = :requester AND city_id = :city AND created_at > now() - interval '1 hour'`,
  },
  {
    name: 'is the volunteer busy elsewhere',
    where: 'SosAlertsRepository (offers and accept)',
    sql: `SELECT 1 FROM sos_requests b WHERE b.status IN ('ACCEPTED', 'ARRIVED') AND b.assigned_volunteer_id = :volunteer`,
  },
  {
    name: 'matching steps overdue (their job was lost)',
    where: 'SosRepository.overdue (the sweep of every instance)',
    sql: `SELECT id FROM sos_requests WHERE status IN ('PENDING', 'MATCHING') AND next_step_at < now() ORDER BY next_step_at LIMIT 50`,
    keyed: `SELECT id FROM sos_requests WHERE status IN ('PENDING', 'MATCHING') AND city_id = :city AND next_step_at < now() ORDER BY next_step_at LIMIT 50`,
  },
  {
    name: "a city's staff queue",
    where: 'SosRepository.findOpenForStaff (openSosRequests of scoped staff)',
    sql: `SELECT * FROM sos_requests s WHERE s.status = ANY('{PENDING,MATCHING,ACCEPTED,ARRIVED,ESCALATED}') AND s.city_id = ANY(ARRAY[:city]::uuid[])
           ORDER BY (s.status = 'ESCALATED') DESC, s.created_at LIMIT 50`,
  },
  {
    name: "a city's open escalations",
    where: 'SosRepository.openEscalations (sosEscalations)',
    sql: `SELECT e.* FROM sos_events e JOIN sos_requests s ON s.id = e.sos_id
           WHERE s.status = 'ESCALATED' AND e.type = 'ESCALATED' AND s.city_id = ANY(ARRAY[:city]::uuid[]) AND e.city_id = ANY(ARRAY[:city]::uuid[]) ORDER BY e.at`,
  },
  {
    name: "a city's response statistics, one week",
    where: 'AnalyticsRepository (responseStats cityId)',
    sql: `SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY first_alert_at - created_at) FROM sos_requests
           WHERE created_at >= now() - interval '7 days' AND created_at < now() AND city_id = ANY(ARRAY[:city]::uuid[])`,
  },
];

/** The split: partitioned twins of the SOS tables, with every index they can keep. */
async function split(db: Client): Promise<string[]> {
  const dropped: string[] = [];
  // Nothing can point at a partitioned table by `id` alone: its keys include the city.
  const { rows: fks } = await db.query<{ tbl: string; name: string }>(
    `SELECT conrelid::regclass::text AS tbl, conname AS name FROM pg_constraint WHERE contype = 'f' AND confrelid = ANY($1::regclass[])`,
    [SPLIT],
  );
  for (const fk of fks) await db.query(`ALTER TABLE ${fk.tbl} DROP CONSTRAINT "${fk.name}"`);
  for (const table of SPLIT) {
    const { rows: indexes } = await db.query<{ def: string; name: string; isUnique: boolean }>(
      `SELECT indexdef AS def, indexname AS name, indisunique AS "isUnique" FROM pg_indexes JOIN pg_index ON indexrelid = (schemaname || '.' || indexname)::regclass
        WHERE tablename = $1`,
      [table],
    );
    await db.query(`ALTER TABLE ${table} RENAME TO ${table}_unsplit`);
    await db.query(`CREATE TABLE ${table} (LIKE ${table}_unsplit INCLUDING DEFAULTS) PARTITION BY LIST (city_id)`);
    for (const index of indexes) {
      // A unique index of a partitioned table must hold the partition key: it becomes unique per city.
      const def = index.def.replace(` ON public.${table} `, ` ON ${table} `).replace(`INDEX ${index.name} `, `INDEX ${index.name}_split `);
      const kept = index.isUnique ? def.replace(/\(([^()]*)\)( WHERE|$)/, '($1, city_id)$2') : def;
      await db.query(kept);
      // Unique by the SOS (its id, its timeline's seq) stays unique: the SOS decides the city.
      if (index.isUnique && !/\((id|sos_id)\b/.test(def)) dropped.push(`${index.name}: ${index.def.replace(/^.* USING /, '')} becomes per city`);
    }
  }
  return dropped;
}

async function load(db: Client): Promise<Record<string, string>> {
  const { rows: cities } = await db.query<{ id: string }>(
    `INSERT INTO cities (name, time_zone, boundary)
     SELECT 'City ' || n, 'Europe/Berlin', ST_Multi(ST_MakeEnvelope(n, 50, n + 0.5, 50.5, 4326))::geography FROM generate_series(1, $1) n RETURNING id`,
    [CITIES],
  );
  for (const table of SPLIT) {
    for (const [i, city] of cities.entries()) await db.query(`CREATE TABLE ${table}_city_${i + 1} PARTITION OF ${table} FOR VALUES IN ('${city.id}')`);
    await db.query(`CREATE TABLE ${table}_no_city PARTITION OF ${table} FOR VALUES IN (NULL)`);
  }
  // SOS of 5,000 requesters over 30 days, the newest 0.2 % of each city's still escalated; a fifth
  // as many outside every city.
  await db.query(`INSERT INTO users (id, email, display_name, updated_at) SELECT gen_random_uuid(), 'p' || n || '@plans.invalid', 'P', now() FROM generate_series(1, 5000) n`);
  await db.query(
    `WITH city AS (SELECT id, $1::int AS count FROM cities UNION ALL SELECT NULL, $1::int / 5),
          person AS (SELECT id, row_number() OVER () AS k FROM users WHERE email LIKE '%@plans.invalid')
     INSERT INTO sos_requests (id, requester_id, idempotency_key, category, location, status, next_step_at, created_at, updated_at, last_seq, city_id, first_alert_at)
     SELECT gen_random_uuid(), person.id, 'k' || n, 'MEDICAL', ST_SetSRID(ST_MakePoint(13.4, 52.5), 4326)::geography,
            (CASE WHEN n <= city.count / 500 THEN 'ESCALATED' ELSE 'RESOLVED' END)::"SosStatus", now(),
            now() - (n % 43200) * interval '1 minute', now(), 3, city.id, now() - (n % 43200) * interval '1 minute' + interval '2 seconds'
       FROM city, generate_series(1, city.count) n JOIN person ON person.k = n % 5000 + 1`,
    [SOS_PER_CITY],
  );
  await db.query(
    `INSERT INTO sos_events (id, sos_id, seq, type, at, city_id)
     SELECT gen_random_uuid(), s.id, seq, (ARRAY['CREATED', 'MATCHING_STARTED', 'RESOLVED'])[seq]::"SosEventType", s.created_at, s.city_id
       FROM sos_requests s, generate_series(1, 3) seq`,
  );
  await db.query(`UPDATE sos_events SET type = 'ESCALATED' WHERE seq = 3 AND sos_id IN (SELECT id FROM sos_requests WHERE status = 'ESCALATED')`);
  await db.query('ANALYZE');
  const { rows } = await db.query<Record<string, string>>(
    `SELECT s.id AS sos, s.city_id AS city, s.requester_id AS requester, gen_random_uuid() AS volunteer FROM sos_requests s WHERE s.city_id = $1 LIMIT 1`,
    [cities[0].id],
  );
  return rows[0];
}

/** The partitions a plan read (not "never executed"), and how long it ran. */
async function explain(db: Client, sql: string, ids: Record<string, string>): Promise<{ plan: string; partitions: string[]; ms: number }> {
  const text = sql.replace(/:(sos|city|requester|volunteer)\b/g, (_, key: string) => `'${ids[key]}'::uuid`);
  await db.query('BEGIN');
  try {
    const { rows } = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) ${text}`);
    const lines = rows.map((r) => r['QUERY PLAN']);
    const partitions = new Set(lines.filter((l) => !l.includes('never executed')).flatMap((l) => l.match(/sos_(requests|events)_(city_\d+|no_city)\b/g) ?? []));
    const ms = Number(lines.find((l) => l.startsWith('Execution Time'))?.match(/[\d.]+/)?.[0]);
    return { plan: lines.filter((l) => !/^(Planning|Execution) Time/.test(l)).join('\n'), partitions: [...partitions].sort(), ms };
  } finally {
    await db.query('ROLLBACK');
  }
}

async function main() {
  const url = new URL(loadConfig().DATABASE_URL);
  // Its own name: two runs on one server (a test and a developer) never share it.
  const scratch = `careconnect_partition_plans_${process.pid}`;
  url.pathname = `/${scratch}`;
  const admin = new Client({ connectionString: Object.assign(new URL(url), { pathname: '/postgres' }).toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
  await ensureDatabase(url.toString());
  await applyMigrations(url.toString(), join(__dirname, '..', 'prisma', 'migrations'));
  const db = new Client({ connectionString: url.toString() });
  await db.connect();
  try {
    const dropped = await split(db);
    const ids = await load(db);
    console.log(`# ${CITIES} cities x ${SOS_PER_CITY} SOS, 3 events each; partitions: one per city and one for no city\n`);
    console.log(`Unique indexes that could not stay global:\n${dropped.map((d) => `- ${d}`).join('\n')}\n`);
    for (const query of HOT) {
      for (const [form, sql] of [['as today', query.sql], ['with the city', query.keyed]] as const) {
        if (!sql) continue;
        const { plan, partitions, ms } = await explain(db, sql, ids);
        console.log(`## ${query.name} (${form}): ${partitions.length} partition(s) read, ${ms} ms\n${query.where}; read: ${partitions.join(', ')}\n\n\`\`\`\n${plan}\n\`\`\`\n`);
      }
    }
  } finally {
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err: unknown) => {
  console.error(`plans:partitions failed: ${(err as Error).message}`);
  process.exit(1);
});
