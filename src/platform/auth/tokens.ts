import { createHash, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Role } from './roles';

export interface AccessClaims {
  userId: string;
  role: Role;
  /** Expiry, in milliseconds since the epoch. */
  expiresAt: number;
}

const ISSUER = 'careconnect';
const ALGORITHM = 'HS256';
const VERIFIED_CACHE_SIZE = 20_000;

export class AccessTokens {
  /**
   * A KeyObject made once: given a string, jsonwebtoken first tries (and fails) to parse it as a
   * public key on every call, which cost a quarter of the CPU of an authenticated request.
   */
  private readonly secret: KeyObject;
  /**
   * Tokens already verified, with their claims. An app sends the same token with every request
   * for 15 minutes (a volunteer's location every few seconds), and verifying a JWT is a sixth of
   * the CPU of a location update. Expiry is still checked on every use.
   */
  private readonly verified = new Map<string, AccessClaims>();

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.secret = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  issue(userId: string, role: Role): { token: string; expiresAt: Date } {
    const token = jwt.sign({ role, typ: 'access' }, this.secret, {
      algorithm: ALGORITHM,
      subject: userId,
      issuer: ISSUER,
      expiresIn: this.ttlSeconds,
    });
    const { exp } = jwt.decode(token) as { exp: number };
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** The claims of a valid token, or null for a forged, expired or malformed one. */
  verify(token: string): AccessClaims | null {
    const known = this.verified.get(token);
    if (known) return known.expiresAt > Date.now() ? known : null;
    const claims = this.verifySignature(token);
    if (claims) {
      // Oldest first out: a Map iterates in insertion order.
      if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, claims);
    }
    return claims;
  }

  private verifySignature(token: string): AccessClaims | null {
    try {
      const payload = jwt.verify(token, this.secret, { algorithms: [ALGORITHM], issuer: ISSUER }) as jwt.JwtPayload;
      if (payload.typ !== 'access' || typeof payload.sub !== 'string' || typeof payload.exp !== 'number') return null;
      return { userId: payload.sub, role: payload.role as Role, expiresAt: payload.exp * 1000 };
    } catch {
      return null;
    }
  }
}

/** `Bearer <token>` -> token; anything else -> undefined. */
export function bearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Refresh tokens are opaque and random; only their SHA-256 is stored (they carry 256 bits of entropy, so no KDF is needed). */
export function newRefreshToken(): { token: string; hash: string } {
  const token = `rt_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
