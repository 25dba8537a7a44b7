import { badInput } from '../errors';

/** Opaque cursors: base64url of a JSON tuple, so clients cannot depend on what is inside. */
export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(field: string, cursor: string, shape: readonly ('string' | 'number')[]): (string | number)[] {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parts) && parts.length === shape.length && parts.every((p, i) => typeof p === shape[i])) return parts as (string | number)[];
  } catch {
    // falls through to the error below
  }
  throw badInput(field, 'is not a cursor this API gave out');
}
