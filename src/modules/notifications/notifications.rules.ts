import { createHash } from 'node:crypto';
import { AlertStatus, NotificationCategory, NotificationChannel, SosEventType } from '../../platform/db';
import type { AuthEvents } from '../auth';
import type { ChatEvents } from '../chat';
import type { ModerationEvents } from '../moderation';
import type { SosChange, SosEvents } from '../sos';
import type { NewNotification } from './notifications.repository';

/** What the outbox needs to know beyond the change itself, read in its transaction. */
export interface Recipients {
  /** Volunteer id -> their account. */
  volunteerUsers: ReadonlyMap<string, string>;
  /** The staff told of escalations (PROFESSIONAL and ADMIN). */
  staffIds: readonly string[];
}

const push = (dedupKey: string, userId: string, category: NotificationCategory, payload: Record<string, string>): NewNotification => ({
  dedupKey,
  userId,
  channel: NotificationChannel.PUSH,
  category,
  payload,
});

/** The SMS twin of a push: sent only to those who opted in, with a verified number (checked when due). */
const sms = (pushed: NewNotification, delaySeconds: number): NewNotification => ({ ...pushed, dedupKey: `${pushed.dedupKey}:sms`, channel: NotificationChannel.SMS, delaySeconds });

/** Volunteers whose account the outbox must look up for this change. */
export function alertedVolunteers(change: SosChange): string[] {
  return change.alerts.map((a) => a.volunteerId);
}

export const escalates = (change: SosChange): boolean => change.events.some((e) => e.type === SosEventType.ESCALATED);

/**
 * Who is told what of a committed SOS change. Keys are derived from what happened (an alert's id
 * and status, an event's seq), so the same change written twice notifies once. Nothing in a
 * volunteer's payload names the requester or places the SOS closer than the alert's distance.
 */
export function notificationsOf(change: SosChange, recipients: Recipients, smsAfterSeconds: number): NewNotification[] {
  const out: NewNotification[] = [];
  for (const alert of change.alerts) {
    const userId = recipients.volunteerUsers.get(alert.volunteerId);
    if (!userId) continue;
    if (alert.status === AlertStatus.OFFERED) {
      const payload: Record<string, string> = {
        alertId: alert.id,
        sosId: alert.sosId,
        distanceMeters: String(Math.round(alert.distanceMeters)),
        expiresAt: alert.expiresAt.toISOString(),
      };
      if (change.sos?.id === alert.sosId) payload.category = change.sos.category;
      const offered = push(`alert:${alert.id}:offered`, userId, NotificationCategory.SOS_ALERT, payload);
      // An SMS follows if the alert is still neither seen nor answered by then.
      out.push(offered, sms(offered, smsAfterSeconds));
    } else if (alert.status === AlertStatus.WITHDRAWN || alert.status === AlertStatus.EXPIRED) {
      // Takes the alert off the lock screen of a volunteer who did not answer it.
      out.push(push(`alert:${alert.id}:cleared`, userId, NotificationCategory.ALERT_CLEARED, { alertId: alert.id, sosId: alert.sosId, reason: alert.status }));
    }
  }
  for (const event of change.events) {
    if (event.type === SosEventType.ESCALATED) {
      for (const staffId of recipients.staffIds) {
        const escalation = push(`sos:${event.sosId}:event:${event.seq}:${staffId}`, staffId, NotificationCategory.ESCALATION, { sosId: event.sosId, ...(change.sos ? { category: change.sos.category } : {}) });
        out.push(escalation, sms(escalation, 0));
      }
    } else if (event.type === SosEventType.ARRIVED && change.sos) {
      out.push(push(`sos:${event.sosId}:event:${event.seq}`, change.sos.requesterId, NotificationCategory.SOS_ARRIVED, { sosId: event.sosId }));
    }
  }
  return out;
}

/** The person is told that a volunteer accepted (once per volunteer: a re-match's accept is news again). */
export function notificationOfAccept(accepted: SosEvents['sos.accepted']): NewNotification {
  return push(`sos:${accepted.sosId}:accepted:${accepted.volunteerId}`, accepted.requesterId, NotificationCategory.SOS_ACCEPTED, { sosId: accepted.sosId });
}

/** The reset mail (keyed by the token's hash: the key must not be a way to the token). */
export function notificationOfPasswordReset(request: AuthEvents['auth.passwordResetRequested']): NewNotification {
  return {
    dedupKey: `password-reset:${createHash('sha256').update(request.token).digest('hex')}`,
    userId: request.userId,
    channel: NotificationChannel.EMAIL,
    category: NotificationCategory.PASSWORD_RESET,
    payload: { token: request.token },
  };
}

/** A staff warning after a review flag, mailed to the person concerned (none when their account is gone). */
export function notificationOfWarning(resolved: ModerationEvents['flag.resolved']): NewNotification | null {
  if (!resolved.personId) return null;
  return {
    dedupKey: `flag:${resolved.flagId}:warning`,
    userId: resolved.personId,
    channel: NotificationChannel.EMAIL,
    category: NotificationCategory.ACCOUNT_WARNING,
    payload: { note: resolved.note },
  };
}

/** A message pushed to each participant whose app was closed (one per message and person). */
export function notificationsOfMessage(sent: ChatEvents['chat.messageSent']): NewNotification[] {
  return sent.offlineRecipientIds.map((userId) =>
    push(`message:${sent.messageId}:${userId}`, userId, NotificationCategory.CHAT_MESSAGE, {
      conversationId: sent.conversationId,
      messageId: sent.messageId,
      ...(sent.sosId ? { sosId: sent.sosId } : {}),
    }),
  );
}
