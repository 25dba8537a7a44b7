import type { Sql } from '../../platform/db';
import { parentCellSql } from '../../platform/geo';
import { insideCitiesSql } from '../cities';

/** Counts of one H3 cell; never who or exactly where. */
export interface AreaCounts {
  cell: string;
  openSos: number;
  escalated: number;
  alertsPending: number;
  volunteersAvailable: number;
}

export interface OverviewCounts {
  openByStatus: Record<string, number>;
  alertsPending: number;
  volunteersAvailable: number;
  areas: AreaCounts[];
}

const OPEN = `('PENDING', 'MATCHING', 'ACCEPTED', 'ARRIVED', 'ESCALATED')`;

/** The live picture, read from the SOS and volunteer tables (written by their modules): counts only. */
export class OpsRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * Of some cities only, when given: their SOS, and the volunteers whose last stored location is
   * inside them (a volunteer's city is where they are, not a setting).
   */
  async overview(resolution: number, staleSeconds: number, cityIds: readonly string[] | null): Promise<OverviewCounts> {
    const [sos, alerts, volunteers] = await Promise.all([
      this.sql.query<{ cell: string | null; status: string; count: number }>(
        `SELECT ${parentCellSql('h3_cell', '$1')} AS cell, status, count(*)::int AS count FROM sos_requests
          WHERE status IN ${OPEN} AND ($2::uuid[] IS NULL OR city_id = ANY($2::uuid[])) GROUP BY 1, 2`,
        [resolution, cityIds],
      ),
      this.sql.query<{ cell: string | null; count: number }>(
        `SELECT ${parentCellSql('s.h3_cell', '$1')} AS cell, count(*)::int AS count
           FROM sos_alerts a JOIN sos_requests s ON s.id = a.sos_id
          WHERE a.status = 'OFFERED' AND a.expires_at > now() AND ($2::uuid[] IS NULL OR s.city_id = ANY($2::uuid[])) GROUP BY 1`,
        [resolution, cityIds],
      ),
      this.sql.query<{ cell: string | null; count: number }>(
        `SELECT ${parentCellSql('v.h3_cell', '$1')} AS cell, count(*)::int AS count FROM volunteer_profiles v
          WHERE v.available AND v.rejected_at IS NULL AND v.last_seen_at > now() - make_interval(secs => $2)
            AND ${insideCitiesSql('v.location', '$3')}
          GROUP BY 1`,
        [resolution, staleSeconds, cityIds],
      ),
    ]);
    const areas = new Map<string, AreaCounts>();
    const area = (cell: string) => areas.get(cell) ?? areas.set(cell, { cell, openSos: 0, escalated: 0, alertsPending: 0, volunteersAvailable: 0 }).get(cell)!;
    const openByStatus: Record<string, number> = {};
    for (const row of sos.rows) {
      openByStatus[row.status] = (openByStatus[row.status] ?? 0) + row.count;
      if (!row.cell) continue;
      area(row.cell).openSos += row.count;
      if (row.status === 'ESCALATED') area(row.cell).escalated += row.count;
    }
    for (const row of alerts.rows) if (row.cell) area(row.cell).alertsPending += row.count;
    for (const row of volunteers.rows) if (row.cell) area(row.cell).volunteersAvailable += row.count;
    return {
      openByStatus,
      alertsPending: alerts.rows.reduce((sum, r) => sum + r.count, 0),
      volunteersAvailable: volunteers.rows.reduce((sum, r) => sum + r.count, 0),
      areas: [...areas.values()].sort((a, b) => (a.cell < b.cell ? -1 : 1)),
    };
  }
}
