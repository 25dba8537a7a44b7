import type { Sql, Tx } from '../../platform/db';
import type { MultiPolygon } from './city-boundary';

/** Overrides of the deployment's matching rules; null: the deployment's. */
export interface CityRules {
  radiiMeters: number[] | null;
  alertsPerStep: number | null;
  stepTimeoutSeconds: number | null;
  emergencyNumber: string | null;
}

export interface CityRow extends CityRules {
  id: string;
  name: string;
  timeZone: string;
  active: boolean;
  /** GeoJSON MultiPolygon. */
  boundary: MultiPolygon;
  createdAt: Date;
  updatedAt: Date;
}

export interface CityWrite {
  name: string;
  timeZone: string;
  boundary: MultiPolygon;
  active: boolean;
  rules: CityRules;
}

const COLUMNS = `id, name, time_zone AS "timeZone", active, ST_AsGeoJSON(boundary, 6)::jsonb AS boundary, radii_meters AS "radiiMeters",
  alerts_per_step AS "alertsPerStep", step_timeout_seconds AS "stepTimeoutSeconds", emergency_number AS "emergencyNumber",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/** The only code that writes `cities`. */
export class CitiesRepository {
  constructor(private readonly sql: Sql) {}

  /** Why PostGIS finds the geometry invalid (a self-intersection, ...), or null when it is valid. */
  async invalidity(boundary: MultiPolygon): Promise<string | null> {
    const { rows } = await this.sql.query<{ reason: string | null }>(
      `SELECT CASE WHEN ST_IsValid(g) THEN NULL ELSE ST_IsValidReason(g) END AS reason FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g) t`,
      [JSON.stringify(boundary)],
    );
    return rows[0].reason;
  }

  async insert(city: CityWrite): Promise<CityRow> {
    const { rows } = await this.sql.query<CityRow>(
      `INSERT INTO cities (name, time_zone, boundary, active, radii_meters, alerts_per_step, step_timeout_seconds, emergency_number)
       VALUES ($1, $2, ST_SetSRID(ST_GeomFromGeoJSON($3), 4326)::geography, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
      values(city),
    );
    return rows[0];
  }

  async update(id: string, city: CityWrite): Promise<CityRow | null> {
    const { rows } = await this.sql.query<CityRow>(
      `UPDATE cities SET name = $1, time_zone = $2, boundary = ST_SetSRID(ST_GeomFromGeoJSON($3), 4326)::geography, active = $4, radii_meters = $5,
              alerts_per_step = $6, step_timeout_seconds = $7, emergency_number = $8, updated_at = now()
        WHERE id = $9 RETURNING ${COLUMNS}`,
      [...values(city), id],
    );
    return rows[0] ?? null;
  }

  async byIds(ids: readonly string[]): Promise<CityRow[]> {
    const { rows } = await this.sql.query<CityRow>(`SELECT ${COLUMNS} FROM cities WHERE id = ANY($1::uuid[])`, [ids]);
    return rows;
  }

  async byName(name: string): Promise<CityRow | null> {
    const { rows } = await this.sql.query<CityRow>(`SELECT ${COLUMNS} FROM cities WHERE lower(name) = lower($1)`, [name]);
    return rows[0] ?? null;
  }

  /** Whether the assignment is new. */
  async assignStaff(tx: Tx, userId: string, cityId: string): Promise<boolean> {
    const { rowCount } = await tx.query('INSERT INTO staff_cities (user_id, city_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [userId, cityId]);
    return rowCount === 1;
  }

  /** Whether there was such an assignment. */
  async removeStaff(tx: Tx, userId: string, cityId: string): Promise<boolean> {
    const { rowCount } = await tx.query('DELETE FROM staff_cities WHERE user_id = $1 AND city_id = $2', [userId, cityId]);
    return rowCount === 1;
  }

  /** Locks a staff member's cities for the transaction: two removals at once must not both see another city left. */
  async lockStaff(tx: Tx, userId: string): Promise<void> {
    await tx.query('SELECT 1 FROM staff_cities WHERE user_id = $1 FOR UPDATE', [userId]);
  }

  async cityCountOfStaff(tx: Tx, userId: string): Promise<number> {
    const { rows } = await tx.query<{ count: number }>('SELECT count(*)::int AS count FROM staff_cities WHERE user_id = $1', [userId]);
    return rows[0].count;
  }

  async citiesOfStaff(userId: string): Promise<CityRow[]> {
    const { rows } = await this.sql.query<CityRow>(
      `SELECT ${COLUMNS} FROM cities WHERE id IN (SELECT city_id FROM staff_cities WHERE user_id = $1) ORDER BY name, id`,
      [userId],
    );
    return rows;
  }

  async all(): Promise<CityRow[]> {
    const { rows } = await this.sql.query<CityRow>(`SELECT ${COLUMNS} FROM cities ORDER BY name, id`);
    return rows;
  }
}

const values = (city: CityWrite) => [
  city.name,
  city.timeZone,
  JSON.stringify(city.boundary),
  city.active,
  city.rules.radiiMeters,
  city.rules.alertsPerStep,
  city.rules.stepTimeoutSeconds,
  city.rules.emergencyNumber,
];
