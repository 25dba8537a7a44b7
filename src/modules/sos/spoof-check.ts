import { isIP } from 'node:net';
import { distanceMeters, type Point } from '../../platform/geo';

type Lookup = (ip: string) => { ll: [number, number] } | null;
let lookup: Lookup | undefined;

/**
 * Loads geoip-lite's offline database (~100 MB, read synchronously in about half a second). The
 * API server does it when it starts: otherwise the first SOS after a restart would wait for it,
 * and every request behind it. Scripts, which raise no SOS, never load it.
 */
export function loadIpLocations(): Lookup {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (lookup ??= (require('geoip-lite') as { lookup: Lookup }).lookup);
}

/** Where the client's IP address says it is. Null for private, loopback and unknown addresses. */
export function ipLocation(ip: string): Point | null {
  const address = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (!isIP(address)) return null;
  const found = loadIpLocations()(address);
  return found ? { latitude: found.ll[0], longitude: found.ll[1] } : null;
}

/** A reason to flag the SOS for review when the claimed place is far from the IP's, else null. VPNs exist: never a reason to refuse. */
export function spoofSuspicion(claimed: Point, clientIp: string, maxKm: number): string | null {
  const fromIp = ipLocation(clientIp);
  if (!fromIp) return null;
  const km = distanceMeters(claimed, fromIp) / 1000;
  return km > maxKm ? `location ${Math.round(km)} km from where the client's IP address is (limit ${maxKm} km)` : null;
}
