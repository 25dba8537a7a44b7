/** A WGS84 position, in degrees. */
export interface Point {
  latitude: number;
  longitude: number;
}

/**
 * The Earth radius Redis uses for GEO distances. Computing PostGIS-path distances with the same
 * sphere keeps both search paths in agreement to the metre (PostGIS's own spheroid would differ by
 * up to 0.5 %, enough to move a volunteer across a radius boundary).
 */
export const EARTH_RADIUS_METERS = 6372797.560856;

const radians = (degrees: number) => (degrees * Math.PI) / 180;

/** Great-circle distance in metres (haversine on Redis's sphere). */
export function distanceMeters(a: Point, b: Point): number {
  const dLat = radians(b.latitude - a.latitude);
  const dLon = radians(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(radians(a.latitude)) * Math.cos(radians(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_METERS * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The point `meters` away from `from` in direction `bearingDegrees` (0 = north, 90 = east). */
export function destination(from: Point, meters: number, bearingDegrees: number): Point {
  const angular = meters / EARTH_RADIUS_METERS;
  const bearing = radians(bearingDegrees);
  const lat1 = radians(from.latitude);
  const lon1 = radians(from.longitude);
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(angular) + Math.cos(lat1) * Math.sin(angular) * Math.cos(bearing));
  const lon2 = lon1 + Math.atan2(Math.sin(bearing) * Math.sin(angular) * Math.cos(lat1), Math.cos(angular) - Math.sin(lat1) * Math.sin(lat2));
  return { latitude: (lat2 * 180) / Math.PI, longitude: ((((lon2 * 180) / Math.PI + 540) % 360) - 180) };
}
