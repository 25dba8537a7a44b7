import jwt from 'jsonwebtoken';
import { TEST_JWT_SECRET } from './test-environment';

/** An access token shaped like the server's, with a chosen expiry and (to forge one) secret. */
export function craftAccessToken(userId: string, options: { expiresInSeconds: number; role?: string; secret?: string }): string {
  return jwt.sign(
    { role: options.role ?? 'USER', typ: 'access', exp: Math.floor(Date.now() / 1000) + options.expiresInSeconds },
    options.secret ?? TEST_JWT_SECRET,
    { algorithm: 'HS256', subject: userId, issuer: 'careconnect' },
  );
}
