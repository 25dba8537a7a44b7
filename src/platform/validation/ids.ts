import { badInput } from '../errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else is bad input (and would otherwise reach PostgreSQL as a type error). */
export function assertId(field: string, value: string): string {
  if (!UUID.test(value)) throw badInput(field, 'is not a valid id');
  return value.toLowerCase();
}
