import { distanceMeters, type Point } from './geo';

interface Persisted extends Point {
  at: number;
}

/**
 * Decides which location fixes of a moving thing (a volunteer, a volunteer on one SOS) are kept:
 * the first, then one per interval, or sooner after a move of more than `meters`. Kept in process
 * memory on purpose: it works while Redis is down (when it matters most), and with several
 * instances a key costs at most one write per instance per interval.
 */
export class FixThrottle {
  private readonly last = new Map<string, Persisted>();

  constructor(
    private readonly intervalMs: number,
    private readonly meters: number,
  ) {}

  /** True when this fix should be written; records it as written. */
  shouldPersist(key: string, point: Point, now: number): boolean {
    const previous = this.last.get(key);
    if (previous && now - previous.at < this.intervalMs && distanceMeters(previous, point) <= this.meters) return false;
    this.written(key, point, now);
    return true;
  }

  /** Records a fix written by other means (setAvailability writes its location at once). */
  written(key: string, point: Point, now: number): void {
    this.last.set(key, { latitude: point.latitude, longitude: point.longitude, at: now });
    if (this.last.size > 50_000 && this.last.size % 1000 === 0) this.forgetOlderThan(now - this.intervalMs);
  }

  /** Entries past their interval decide nothing any more; dropping them bounds the memory. */
  private forgetOlderThan(cutoff: number): void {
    for (const [id, entry] of this.last) if (entry.at < cutoff) this.last.delete(id);
  }
}
