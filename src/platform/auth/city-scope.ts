import { forbidden, notFound } from '../errors';
import { assertId } from '../validation';
import type { Viewer } from './context';

/**
 * Refuses staff scoped to cities what reaches beyond them: accounts, roles, cities, the audit
 * log. Only staff of every city may do those (a scoped admin could otherwise widen their scope).
 */
export function assertUnscoped(viewer: Viewer | null): void {
  if (viewer?.cityIds) throw forbidden('Only an admin of every city may do this; you are scoped to cities');
}

/**
 * The cities a staff member's question covers: the one asked for (which must be theirs if they
 * are scoped to cities: another is NOT_FOUND, as to a stranger), else all of theirs; null: every
 * city and none (global staff who named no city).
 */
export function citiesAsked(viewer: Viewer | null, cityId: string | null | undefined): readonly string[] | null {
  const scope = viewer?.cityIds ?? null;
  if (cityId) {
    const id = assertId('cityId', cityId);
    if (scope && !scope.includes(id)) throw notFound('City');
    return [id];
  }
  return scope;
}
