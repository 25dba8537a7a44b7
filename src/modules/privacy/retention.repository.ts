import type { Sql } from '../../platform/db';

/** The only code that writes `retention_runs`. */
export class RetentionRepository {
  constructor(private readonly sql: Sql) {}

  /** Claims a period's run for this instance; false when another instance has it already. */
  async claim(period: number, instance: string): Promise<boolean> {
    const { rowCount } = await this.sql.query('INSERT INTO retention_runs (period, instance) VALUES ($1, $2) ON CONFLICT (period) DO NOTHING', [period, instance]);
    return rowCount === 1;
  }

  async finish(period: number, removed: Record<string, number>): Promise<void> {
    await this.sql.query('UPDATE retention_runs SET finished_at = now(), removed = $2 WHERE period = $1', [period, JSON.stringify(removed)]);
  }
}
