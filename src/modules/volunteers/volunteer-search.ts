import { Counter, Histogram, type Registry } from 'prom-client';
import type { Point } from '../../platform/geo';
import type { Logger } from '../../platform/logger';
import { IndexNotReadyError, SearchTooBroadError, type VolunteerIndex } from './volunteer-index';
import type { NearbyHit, VolunteersRepository } from './volunteers.repository';
import type { Skill } from './types/skill';

export interface SearchOptions {
  limit: number;
  skills?: readonly Skill[];
  excludeIds?: readonly string[];
}

export type SearchPath = 'redis' | 'postgis';

/**
 * The one geo search, for `nearbyVolunteers` and for SOS matching: available volunteers with a
 * fresh location within a radius, nearest first. Redis answers normally; when Redis fails or
 * its index is not built yet, PostGIS answers the same question the same way (a metric and a
 * log line say so), and an unbuilt index is rebuilt from PostgreSQL in the background.
 */
export class VolunteerSearch {
  private readonly duration: Histogram<'path'>;
  private readonly fallbacks: Counter<'reason'>;
  private rebuilding?: Promise<void>;

  constructor(
    private readonly index: VolunteerIndex,
    private readonly repository: VolunteersRepository,
    private readonly staleSeconds: number,
    private readonly logger: Logger,
    registry: Registry,
  ) {
    this.duration = new Histogram({
      name: 'volunteer_search_duration_seconds',
      help: 'Latency of nearby-volunteer searches by path (redis, postgis).',
      labelNames: ['path'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers: [registry],
    });
    this.fallbacks = new Counter({
      name: 'volunteer_search_fallback_total',
      help: 'Searches answered by PostGIS because Redis failed (error), its index was not built (not_ready) or the search was too broad for it (too_broad).',
      labelNames: ['reason'],
      registers: [registry],
    });
  }

  async findNearbyVolunteers(point: Point, radiusMeters: number, options: SearchOptions): Promise<NearbyHit[]> {
    try {
      return await this.search('redis', point, radiusMeters, options);
    } catch (err) {
      const reason = err instanceof IndexNotReadyError ? 'not_ready' : err instanceof SearchTooBroadError ? 'too_broad' : 'error';
      this.fallbacks.inc({ reason });
      // A rare-skill search is a normal event, not a warning.
      this.logger[reason === 'too_broad' ? 'info' : 'warn']({ reason, err: { message: (err as Error).message } }, 'volunteer search fell back to PostGIS');
      if (reason === 'not_ready') this.rebuildIndex();
      return this.search('postgis', point, radiusMeters, options);
    }
  }

  /** One path explicitly: the tests hold both to the same answers. */
  async search(path: SearchPath, point: Point, radiusMeters: number, options: SearchOptions): Promise<NearbyHit[]> {
    const stop = this.duration.startTimer({ path });
    const hits = path === 'redis' ? await this.index.search(this.query(point, radiusMeters, options), Date.now()) : await this.repository.findNearby(this.query(point, radiusMeters, options));
    stop();
    return hits;
  }

  /** Redis alone, with whoever the index holds even if it was never built: for when PostgreSQL cannot be asked. */
  fromIndexAlone(point: Point, radiusMeters: number, options: SearchOptions): Promise<NearbyHit[]> {
    return this.index.search(this.query(point, radiusMeters, options), Date.now(), true).catch((err: unknown) => {
      if (err instanceof IndexNotReadyError) return []; // not a volunteer in it
      throw err;
    });
  }

  private query(point: Point, radiusMeters: number, options: SearchOptions) {
    return { point, radiusMeters, limit: options.limit, skills: options.skills ?? [], excludeIds: options.excludeIds ?? [], staleSeconds: this.staleSeconds };
  }

  /** Loads every available, fresh volunteer from PostgreSQL into Redis; one instance at a time. */
  rebuildIndex(): Promise<void> {
    this.rebuilding ??= (async () => {
      try {
        if (!(await this.index.claimRebuild())) return;
        const rows = await this.repository.findIndexable(this.staleSeconds);
        for (let i = 0; i < rows.length; i += 1000) await this.index.prime(rows.slice(i, i + 1000), Date.now() - this.staleSeconds * 1000);
        await this.index.markReady();
        this.logger.info({ volunteers: rows.length }, 'volunteer index rebuilt from PostgreSQL');
      } catch (err) {
        this.logger.warn({ err: { message: (err as Error).message } }, 'volunteer index rebuild failed');
      } finally {
        this.rebuilding = undefined;
      }
    })();
    return this.rebuilding;
  }
}
