import { createHmac } from 'node:crypto';

export interface IceServerRow {
  urls: string[];
  username: string | null;
  credential: string | null;
}

export interface IceSettings {
  stunUrls: readonly string[];
  turnUrls: readonly string[];
  turnSharedSecret: string;
  credentialTtlSeconds: number;
}

/**
 * STUN and TURN servers for a call, with TURN credentials in the TURN REST API scheme that coturn's
 * `use-auth-secret` checks: username `<expiry>:<userId>`, password the base64 HMAC-SHA1 of the
 * username with the shared secret. Nothing is stored; the credentials expire by themselves.
 */
export function iceServersFor(userId: string, settings: IceSettings, now = Date.now()): IceServerRow[] {
  const servers: IceServerRow[] = [];
  if (settings.stunUrls.length > 0) servers.push({ urls: [...settings.stunUrls], username: null, credential: null });
  if (settings.turnUrls.length > 0) {
    const username = `${Math.floor(now / 1000) + settings.credentialTtlSeconds}:${userId}`;
    const credential = createHmac('sha1', settings.turnSharedSecret).update(username).digest('base64');
    servers.push({ urls: [...settings.turnUrls], username, credential });
  }
  return servers;
}
