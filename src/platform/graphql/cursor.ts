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
  shape: readonly ('string' | 'number')[];
}

/**
 * One page of a connection: checks the page size, decodes the cursor, fetches one row more than
 * the page (that extra row, if it comes, says there is a next page) and builds the edges.
 */
export async function pageOf<T>(
  request: PageRequest,
  fetch: (limit: number, cursor: (string | number)[] | null) => Promise<T[]>,
  cursorOf: (row: T) => (string | number)[],
) {
  const size = pageSize('first', request.first);
  const cursor = request.cursor ? decodeCursor(request.cursorField, request.cursor, request.shape) : null;
  const rows = await fetch(size + 1, cursor);
  const edges = rows.slice(0, size).map((node) => ({ node, cursor: encodeCursor(cursorOf(node)) }));
  return { edges, pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
}
