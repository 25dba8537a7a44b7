import { badInput } from '../errors';

/** What a cursor may hold: each part is checked, so a forged cursor is refused before it reaches SQL. */
export type CursorPart = 'timestamp' | 'uuid' | 'integer';

const PART_FORMATS: Record<CursorPart, (value: unknown) => boolean> = {
  // Exactly as Date#toISOString writes a real instant (so no 31 February), from year 1 on (PostgreSQL has no year 0).
  timestamp: (v) => typeof v === 'string' && /^\d{4}-/.test(v) && !v.startsWith('0000') && !Number.isNaN(Date.parse(v)) && new Date(v).toISOString() === v,
  uuid: (v) => typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v),
  // A PostgreSQL bigint, as text.
  integer: (v) => typeof v === 'string' && /^\d{1,19}$/.test(v) && BigInt(v) <= 9223372036854775807n,
};

/** Opaque cursors: base64url of a JSON tuple, so clients cannot depend on what is inside. */
export function encodeCursor(parts: readonly string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** The parts of a cursor this API gave out; BAD_USER_INPUT for anything else. */
export function decodeCursor(field: string, cursor: string, shape: readonly CursorPart[]): string[] {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parts) && parts.length === shape.length && parts.every((p, i) => PART_FORMATS[shape[i]](p))) return parts as string[];
  } catch {
    // falls through to the error below
  }
  throw badInput(field, 'is not a cursor this API gave out');
}

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

/** A page size from `first` (or `limit`): 20 when omitted, 1 to 100 otherwise. */
export function pageSize(field: string, requested: number | null | undefined): number {
  const size = requested ?? DEFAULT_PAGE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE) throw badInput(field, `must be between 1 and ${MAX_PAGE}`);
  return size;
}

export interface PageRequest {
  first: number | null | undefined;
  /** The cursor argument's name (`after`, `before`), for errors. */
  cursorField: string;
  cursor: string | null | undefined;
  /** What the cursor holds, as the API gives it out. */
  shape: readonly CursorPart[];
}

/**
 * One page of a connection: checks the page size, decodes the cursor, fetches one row more than
 * the page (that extra row, if it comes, says there is a next page) and builds the edges.
 */
export async function pageOf<T>(
  request: PageRequest,
  fetch: (limit: number, cursor: string[] | null) => Promise<T[]>,
  cursorOf: (row: T) => string[],
) {
  const size = pageSize('first', request.first);
  const cursor = request.cursor ? decodeCursor(request.cursorField, request.cursor, request.shape) : null;
  const rows = await fetch(size + 1, cursor);
  const edges = rows.slice(0, size).map((node) => ({ node, cursor: encodeCursor(cursorOf(node)) }));
  return { edges, pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
}
