import { badInput } from '../../platform/errors';

// Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is the mail
// server's business; this only catches typos and garbage.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@.]+$/;
const MAX_LENGTH = 254;

/** Emails are stored trimmed and lower-cased, so "Ann@Example.com " and "ann@example.com" are one account. */
export function normalizeEmail(raw: string, field = 'email'): string {
  const email = raw.trim().toLowerCase();
  if (email.length === 0) throw badInput(field, 'is required');
  if (email.length > MAX_LENGTH) throw badInput(field, `must be at most ${MAX_LENGTH} characters long`);
  if (!EMAIL.test(email)) throw badInput(field, 'must be a valid email address');
  return email;
}
