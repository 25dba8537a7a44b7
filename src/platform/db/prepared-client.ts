import { createHash } from 'node:crypto';
import { Client } from 'pg';

/** Distinct statements named per process; past this (SQL built with values inside), statements run unnamed. */
const MAX_NAMED = 500;
const names = new Map<string, string>();

function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMED) {
    name = `cc_${createHash('sha1').update(text).digest('base64url').slice(0, 22)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * A pg client that runs every parameterised statement as a named prepared statement: PostgreSQL
 * parses and plans it once per connection instead of at every call. Planning was up to half of
 * PostgreSQL's time on the SOS path (which shares the cores with the API), so this matters.
 * Statements given as config objects (Prisma's) are left as they are. Behind a pooler in
 * transaction mode this needs protocol-level prepared statement support (PgBouncer 1.21+ with
 * max_prepared_statements), or DATABASE_PREPARED_STATEMENTS=false.
 */
export class PreparingClient extends Client {
  override query(...args: unknown[]): never {
    const [text, values, ...rest] = args;
    const name = typeof text === 'string' && Array.isArray(values) ? nameOf(text) : undefined;
    const call = super.query as (...a: unknown[]) => never;
    return name ? call.call(this, { name, text, values }, ...rest) : call.apply(this, args);
  }
}
