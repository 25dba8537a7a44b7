import { badInput } from '../../platform/errors';

export interface MultiPolygon {
  type: 'MultiPolygon';
  coordinates: number[][][][];
}

/** More than a city needs at a reasonable simplification (Berlin's outline: about 2,000). */
const MAX_POSITIONS = 50_000;

/**
 * A city's boundary as GeoJSON (a Polygon or a MultiPolygon, longitude first), checked for what
 * PostGIS would reject or silently misread: every ring closed, at least four positions, numbers in
 * range. Whether the geometry is valid (no self-intersection) PostGIS says next (ST_IsValid).
 */
export function checkBoundary(value: unknown): MultiPolygon {
  const geometry = value as { type?: unknown; coordinates?: unknown } | null;
  if (!geometry || typeof geometry !== 'object') throw badInput('boundary', 'must be a GeoJSON Polygon or MultiPolygon');
  const polygons =
    geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.type === 'MultiPolygon' ? geometry.coordinates : null;
  if (!Array.isArray(polygons) || polygons.length === 0) throw badInput('boundary', 'must be a GeoJSON Polygon or MultiPolygon with coordinates');
  let positions = 0;
  polygons.forEach((rings: unknown, p) => {
    if (!Array.isArray(rings) || rings.length === 0) throw badInput('boundary', `polygon ${p + 1} has no rings`);
    rings.forEach((ring: unknown, r) => {
      const where = `ring ${r + 1} of polygon ${p + 1}`;
      if (!Array.isArray(ring) || ring.length < 4) throw badInput('boundary', `${where} needs at least 4 positions (a closed triangle)`);
      for (const position of ring as unknown[]) {
        const [lng, lat] = Array.isArray(position) ? (position as unknown[]) : [];
        if (typeof lng !== 'number' || typeof lat !== 'number' || !Number.isFinite(lng) || !Number.isFinite(lat) || Math.abs(lng) > 180 || Math.abs(lat) > 90) {
          throw badInput('boundary', `${where} has a position that is not [longitude, latitude] in range`);
        }
      }
      const first = ring[0] as number[];
      const last = ring[ring.length - 1] as number[];
      if (first[0] !== last[0] || first[1] !== last[1]) throw badInput('boundary', `${where} is not closed: its first and last positions differ`);
      positions += ring.length;
    });
  });
  if (positions > MAX_POSITIONS) throw badInput('boundary', `has ${positions} positions; simplify it to at most ${MAX_POSITIONS}`);
  return { type: 'MultiPolygon', coordinates: polygons as number[][][][] };
}
