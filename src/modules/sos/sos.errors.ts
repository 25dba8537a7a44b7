import { AppError, badInput, forbidden, notFound, rateLimited } from '../../platform/errors';
import type { AlertStatus, SosStatus } from './types/sos-enums';

/**
 * Every error the SOS module answers with, each message written once. An SOS the viewer has no
 * part in is NOT_FOUND (never FORBIDDEN): whether it exists is not theirs to learn.
 */
export const sosErrors = {
  notFound: () => notFound('SOS'),
  alertNotFound: () => notFound('Alert'),
  wrongState: (status: SosStatus, action: string) => new AppError('CONFLICT', `This SOS is ${status} and cannot be ${action}`, { status }),
  alreadyOpen: (openSosId: string | undefined) =>
    new AppError('CONFLICT', `You already have an open SOS (${openSosId ?? 'unknown'}); cancel or resolve it first`, { openSosId }),
  tooMany: (perHour: number, retryAfterSeconds: number) => rateLimited(`At most ${perHour} SOS per hour`, retryAfterSeconds),
  offerClosed: (alertStatus: AlertStatus | 'EXPIRED') => new AppError('CONFLICT', `Your offer for this SOS is ${alertStatus}`, { alertStatus }),
  alreadyAssigned: () => new AppError('CONFLICT', 'You are already assigned to another SOS'),
  alreadyRated: () => new AppError('CONFLICT', 'This SOS has been rated already'),
  volunteersOnly: () => forbidden('Only volunteers can do this'),
  noVolunteerProfile: () => notFound('Volunteer profile'),
  staffOnly: () => forbidden('Only PROFESSIONAL or ADMIN may follow escalations'),
  onlyFor: (allowed: readonly string[]) => forbidden(`Only the ${allowed.join(' or ')} may do this`),
  badRating: () => badInput('rating', 'must be a whole number from 1 to 5'),
  textTooLong: (field: string, max: number) => badInput(field, `must be at most ${max} characters long`),
};
