import type { Sql } from '../../platform/db';
import { parentCellSql } from '../../platform/geo';
import { insideCitiesSql } from '../cities';

/** Counts of one place (an H3 cell, a city); never who or exactly where. */
export interface PlaceCounts {
  openSos: number;
  escalated: number;
  alertsPending: number;
  volunteersAvailable: number;
}

export interface OverviewCounts {
  openByStatus: Record<string, number>;
  alertsPending: number;
  volunteersAvailable: number;
  areas: (PlaceCounts & { cell: string })[];
  cities: (PlaceCounts & { cityId: string })[];
}

const OPEN = `('PENDING', 'MATCHING', 'ACCEPTED', 'ARRIVED', 'ESCALATED')`;
/** Volunteer `v` is available, not turned down, and seen within the seconds of parameter `param`. */
const freshAvailable = (param: string) => `v.available AND v.rejected_at IS NULL AND v.last_seen_at > now() - make_interval(secs => ${param})`;

/** Counts by place, made as rows come in; listed in order of the place's key. */
class Tally {
  private readonly places = new Map<string, PlaceCounts>();

  add(key: string | null, counts: Partial<PlaceCounts>): void {
    if (!key) return;
    const place = this.places.get(key) ?? this.places.set(key, { openSos: 0, escalated: 0, alertsPending: 0, volunteersAvailable: 0 }).get(key)!;
    for (const [field, n] of Object.entries(counts) as [keyof PlaceCounts, number][]) place[field] += n;
  }

  list<K extends string>(name: K): (PlaceCounts & Record<K, string>)[] {
    return [...this.places.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, counts]) => ({ [name]: key, ...counts }) as PlaceCounts & Record<K, string>);
  }
}

/** The live picture, read from the SOS and volunteer tables (written by their modules): counts only. */
export class OpsRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * Of some cities only, when given: their SOS, and the volunteers whose last stored location is
   * inside them (a volunteer's city is where they are, not a setting). By H3 cell and by city.
   */
  async overview(resolution: number, staleSeconds: number, cityIds: readonly string[] | null): Promise<OverviewCounts> {
    type Row = { cell: string | null; city: string | null; count: number };
    const [sos, alerts, volunteers, volunteersByCity] = await Promise.all([
      this.sql.query<Row & { status: string }>(
        `SELECT ${parentCellSql('h3_cell', '$1')} AS cell, city_id AS city, status, count(*)::int AS count FROM sos_requests
          WHERE status IN ${OPEN} AND ($2::uuid[] IS NULL OR city_id = ANY($2::uuid[])) GROUP BY 1, 2, 3`,
        [resolution, cityIds],
      ),
      this.sql.query<Row>(
        `SELECT ${parentCellSql('s.h3_cell', '$1')} AS cell, s.city_id AS city, count(*)::int AS count
           FROM sos_alerts a JOIN sos_requests s ON s.id = a.sos_id
          WHERE a.status = 'OFFERED' AND a.expires_at > now() AND ($2::uuid[] IS NULL OR s.city_id = ANY($2::uuid[])) GROUP BY 1, 2`,
        [resolution, cityIds],
      ),
      this.sql.query<Row>(
        `SELECT ${parentCellSql('v.h3_cell', '$1')} AS cell, NULL AS city, count(*)::int AS count FROM volunteer_profiles v
          WHERE ${freshAvailable('$2')} AND ${insideCitiesSql('v.location', '$3')} GROUP BY 1`,
        [resolution, staleSeconds, cityIds],
      ),
      // A volunteer in two overlapping cities counts in both.
      this.sql.query<Row>(
        `SELECT NULL AS cell, c.id AS city, count(*)::int AS count FROM volunteer_profiles v JOIN cities c ON ST_Covers(c.boundary, v.location)
          WHERE ${freshAvailable('$1')} AND c.active AND ($2::uuid[] IS NULL OR c.id = ANY($2::uuid[])) GROUP BY 2`,
        [staleSeconds, cityIds],
      ),
    ]);
    const areas = new Tally();
    const cities = new Tally();
    const openByStatus: Record<string, number> = {};
    for (const row of sos.rows) {
      openByStatus[row.status] = (openByStatus[row.status] ?? 0) + row.count;
      const counts = { openSos: row.count, escalated: row.status === 'ESCALATED' ? row.count : 0 };
      areas.add(row.cell, counts);
      cities.add(row.city, counts);
    }
    for (const row of alerts.rows) {
      areas.add(row.cell, { alertsPending: row.count });
      cities.add(row.city, { alertsPending: row.count });
    }
    for (const row of volunteers.rows) areas.add(row.cell, { volunteersAvailable: row.count });
    for (const row of volunteersByCity.rows) cities.add(row.city, { volunteersAvailable: row.count });
    return {
      openByStatus,
      alertsPending: alerts.rows.reduce((sum, r) => sum + r.count, 0),
      volunteersAvailable: volunteers.rows.reduce((sum, r) => sum + r.count, 0),
      areas: areas.list('cell'),
      cities: cities.list('cityId'),
    };
  }
}
