import { notFound } from '../errors';
import type { Viewer } from './context';

/**
 * The cities a staff member's question covers: the one asked for (which must be theirs if they
 * are scoped to cities: another is NOT_FOUND, as to a stranger), else all of theirs; null: every
 * city and none (global staff who named no city).
 */
export function citiesAsked(viewer: Viewer | null, cityId: string | null | undefined): readonly string[] | null {
  const scope = viewer?.cityIds ?? null;
  if (cityId) {
    if (scope && !scope.includes(cityId)) throw notFound('City');
    return [cityId];
  }
  return scope;
}
