import { latLngToCell } from 'h3-js';
import type { Point } from './geo';

/** The finest H3 resolution: a place is stored as its cell at this one, and grouped by any coarser one. */
const FINEST_RESOLUTION = 15;

/** The place's H3 cell at the finest resolution, as a decimal bigint for PostgreSQL (H3 indexes fit in 63 bits). */
export function finestCell(point: Point): string {
  return BigInt(`0x${latLngToCell(point.latitude, point.longitude, FINEST_RESOLUTION)}`).toString();
}

/**
 * SQL for the parent, at `resolution` (SQL for an int), of the cell in `column`, as a bigint. An
 * H3 index keeps its resolution in bits 52-55 and one 3-bit digit per finer resolution below: the
 * parent is the same index with its resolution lowered and the digits past it set to 7 (unused).
 * A cell already coarser (a coarsened location) stays as it is. Null stays null.
 */
export function parentCellBigintSql(column: string, resolution: string): string {
  const r = `LEAST(${resolution}, ((${column} >> 52) & 15)::int)`;
  return `(((${column} & ~(15::bigint << 52)) | (${r}::bigint << 52)) | ((1::bigint << (3 * (15 - ${r}))) - 1))`;
}

/** The same parent as the H3 hex string maps draw (h3-js `cellToBoundary`). */
export function parentCellSql(column: string, resolution: string): string {
  return `to_hex(${parentCellBigintSql(column, resolution)})`;
}

/** The H3 resolution a location coarsened to about 1 km keeps (cells of about 0.7 km²). */
export const COARSE_RESOLUTION = 8;
