import { inTransaction, type ReplicaReads, type Tx } from '../../platform/db';
import { parentCellBigintSql } from '../../platform/geo';

export type StatsGrouping = 'DAY' | 'WEEK' | 'AREA' | 'CITY';

/** Seconds at the median and the 90th percentile; null when no SOS got there. */
export interface Percentiles {
  p50: number | null;
  p90: number | null;
}

/** What the SOS of one group (or of the whole period) add up to. */
export interface GroupStats {
  /** The day or week (its first day, YYYY-MM-DD, in the time zone asked) or the H3 cell; null for the total and for SOS without a cell. */
  key: string | null;
  sosCount: number;
  acceptedShare: number;
  escalatedShare: number;
  cancelledShare: number;
  toFirstAlert: Percentiles;
  toAcceptance: Percentiles;
  toArrival: Percentiles;
  alertsOffered: number;
  alertsAccepted: number;
}

export interface ResponderRow {
  volunteerId: string;
  displayName: string;
  sosHelped: number;
  resolved: number;
  medianSecondsToArrival: number | null;
  averageRating: number | null;
}

/**
 * For the statistics' passes over a period, in their transaction: the sorts of a year of SOS fit
 * in memory instead of spilling to disk. (JIT is off on the API's connections.)
 */
export const STATS_SETTINGS = [`SET LOCAL work_mem = '64MB'`];

/** Exact percentiles of the seconds from the raise to a moment (date_part is float8: extract() is numeric, several times slower to sort). */
const percentiles = (column: string) => `percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY date_part('epoch', ${column} - created_at))`;

const FIGURES = `count(*)::int AS "sosCount",
       avg((accepted_at IS NOT NULL)::int)::float8 AS "acceptedShare",
       avg((escalated_at IS NOT NULL)::int)::float8 AS "escalatedShare",
       avg((status = 'CANCELLED')::int)::float8 AS "cancelledShare",
       ${percentiles('first_alert_at')} AS "toFirstAlert",
       ${percentiles('accepted_at')} AS "toAcceptance",
       ${percentiles('arrived_at')} AS "toArrival",
       sum(alerts_offered)::int AS "alertsOffered", sum(alerts_accepted)::int AS "alertsAccepted"`;

/**
 * The two statements behind responseStats over SOS raised in [from, to): the figures per group
 * (day or week in a time zone, or H3 cell at a resolution: `by`, $3; or city) and for the whole period.
 * Groups are sorted by a timestamp or a bigint, not by their text (a collated text sort costs
 * twice the whole rest). Exported for the benchmark, which runs them bare and with EXPLAIN.
 */
export function responseStatsQueries(from: Date, to: Date, groupBy: StatsGrouping, by: string | number, cityIds: readonly string[] | null = null) {
  const byCity = groupBy === 'CITY';
  const group =
    groupBy === 'AREA'
      ? parentCellBigintSql('h3_cell', '$3')
      : byCity
        ? 'city_id'
        : `date_trunc('${groupBy === 'DAY' ? 'day' : 'week'}', created_at AT TIME ZONE $3)`;
  const key = groupBy === 'AREA' ? `to_hex(${group})` : byCity ? `${group}::text` : `to_char(${group}, 'YYYY-MM-DD')`;
  // Of some cities only (`cities` is the parameter's number), or of all SOS.
  const period = (cities: number) => `FROM sos_requests WHERE created_at >= $1 AND created_at < $2 AND ($${cities}::uuid[] IS NULL OR city_id = ANY($${cities}::uuid[]))`;
  return {
    grouped: `SELECT ${key} AS key, ${FIGURES} ${period(byCity ? 3 : 4)} GROUP BY ${group} ORDER BY ${group} NULLS LAST`,
    total: `SELECT NULL AS key, ${FIGURES} ${period(3)}`,
    groupedValues: byCity ? [from, to, cityIds] : [from, to, by, cityIds],
    totalValues: [from, to, cityIds],
  };
}

/**
 * Response statistics, read from what each SOS row keeps as it happens (first alert, escalation,
 * offers and accepts counted, its cell): no history to aggregate when staff ask.
 */
export class AnalyticsRepository {
  constructor(private readonly reads: ReplicaReads) {}

  /** Per group and in total: the two statements run side by side, on two connections. */
  async responseStats(
    from: Date,
    to: Date,
    groupBy: StatsGrouping,
    timeZone: string,
    resolution: number,
    cityIds: readonly string[] | null,
  ): Promise<{ groups: GroupStats[]; total: GroupStats | null }> {
    const q = responseStatsQueries(from, to, groupBy, groupBy === 'AREA' ? resolution : timeZone, cityIds);
    const [groups, total] = await Promise.all([
      this.withStatsSettings((tx) => tx.query<RawStats>(q.grouped, q.groupedValues)),
      this.withStatsSettings((tx) => tx.query<RawStats>(q.total, q.totalValues)),
    ]);
    const [whole] = total.rows.map(statsOf);
    return { groups: groups.rows.map(statsOf), total: whole.sosCount > 0 ? whole : null };
  }

  /** Volunteers by SOS resolved in the period (then by the quicker median arrival). */
  async topResponders(from: Date, to: Date, limit: number, cityIds: readonly string[] | null): Promise<ResponderRow[]> {
    const { rows } = await this.withStatsSettings((tx) =>
      tx.query<ResponderRow>(
        `SELECT s.assigned_volunteer_id AS "volunteerId", min(u.display_name) AS "displayName", count(*)::int AS "sosHelped",
                count(*) FILTER (WHERE s.status = 'RESOLVED')::int AS resolved,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM s.arrived_at - s.accepted_at)) AS "medianSecondsToArrival",
                avg(s.rating)::float8 AS "averageRating"
           FROM sos_requests s JOIN volunteer_profiles v ON v.id = s.assigned_volunteer_id JOIN users u ON u.id = v.user_id
          WHERE s.created_at >= $1 AND s.created_at < $2 AND ($4::uuid[] IS NULL OR s.city_id = ANY($4::uuid[]))
          GROUP BY s.assigned_volunteer_id
          ORDER BY resolved DESC, "medianSecondsToArrival" ASC NULLS LAST, s.assigned_volunteer_id
          LIMIT $3`,
        [from, to, limit, cityIds],
      ),
    );
    return rows;
  }

  private async withStatsSettings<T>(run: (tx: Tx) => Promise<T>): Promise<T> {
    // Minutes of history are scanned: the replica's work, once it has every write made so far.
    return this.reads.read((db) =>
      inTransaction(db, async (tx) => {
        for (const setting of STATS_SETTINGS) await tx.query(setting);
        return run(tx);
      }),
    );
  }
}

type RawStats = Omit<GroupStats, 'toFirstAlert' | 'toAcceptance' | 'toArrival'> & Record<'toFirstAlert' | 'toAcceptance' | 'toArrival', (number | null)[] | null>;

const pair = (values: (number | null)[] | null): Percentiles => ({ p50: values?.[0] ?? null, p90: values?.[1] ?? null });
const statsOf = (row: RawStats): GroupStats => ({ ...row, toFirstAlert: pair(row.toFirstAlert), toAcceptance: pair(row.toAcceptance), toArrival: pair(row.toArrival) });
