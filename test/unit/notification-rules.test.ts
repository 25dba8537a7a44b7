import { randomUUID } from 'node:crypto';
import { AlertStatus, NotificationCategory, SosEventType } from '../../src/platform/db';
import { notificationOfAccept, notificationsOf } from '../../src/modules/notifications/notifications.rules';
import { render, renderSms } from '../../src/modules/notifications/notifications.templates';
import { inQuietHours } from '../../src/modules/notifications/quiet-hours';
import type { SosChange } from '../../src/modules/sos';

const sosId = randomUUID();
const alert = (volunteerId: string, status: AlertStatus) => ({
  id: randomUUID(),
  sosId,
  volunteerId,
  round: 0,
  step: 0,
  distanceMeters: 412.6,
  status,
  expiresAt: new Date('2026-12-01T10:00:20Z'),
  createdAt: new Date('2026-12-01T10:00:00Z'),
});
const event = (type: SosEventType, seq: number) => ({ id: randomUUID(), sosId, seq, type, message: null, at: new Date() });

describe('who is told what of an SOS change', () => {
  const volunteerUsers = new Map([
    ['v1', 'u1'],
    ['v2', 'u2'],
  ]);

  it('an offer wakes the volunteer with the alert, the distance and the kind of emergency; a withdrawn one clears it', () => {
    const offered = alert('v1', AlertStatus.OFFERED);
    const withdrawn = alert('v2', AlertStatus.WITHDRAWN);
    const change = { events: [], alerts: [offered, withdrawn], sos: { id: sosId, category: 'FIRE', requesterId: 'r' } } as unknown as SosChange;
    const payload = { alertId: offered.id, sosId, distanceMeters: '413', expiresAt: '2026-12-01T10:00:20.000Z', category: 'FIRE' };
    expect(notificationsOf(change, { volunteerUsers, staffIds: [] }, 15)).toEqual([
      { dedupKey: `alert:${offered.id}:offered`, userId: 'u1', channel: 'PUSH', category: NotificationCategory.SOS_ALERT, payload },
      // The SMS after it, if the alert is still unseen and unanswered 15 s later.
      { dedupKey: `alert:${offered.id}:offered:sms`, userId: 'u1', channel: 'SMS', category: NotificationCategory.SOS_ALERT, payload, delaySeconds: 15 },
      { dedupKey: `alert:${withdrawn.id}:cleared`, userId: 'u2', channel: 'PUSH', category: NotificationCategory.ALERT_CLEARED, payload: { alertId: withdrawn.id, sosId, reason: 'WITHDRAWN' } },
    ]);
  });

  it('declined and accepted offers need no push; an unknown volunteer gets none', () => {
    const change = { events: [], alerts: [alert('v1', AlertStatus.DECLINED), alert('v2', AlertStatus.ACCEPTED), alert('v3', AlertStatus.OFFERED)] } as unknown as SosChange;
    expect(notificationsOf(change, { volunteerUsers, staffIds: [] }, 15)).toEqual([]);
  });

  it('an escalation reaches every staff member once per event; an arrival reaches the requester', () => {
    const change = { events: [event(SosEventType.ESCALATED, 4), event(SosEventType.ARRIVED, 5)], alerts: [], sos: { id: sosId, category: 'MEDICAL', requesterId: 'r' } } as unknown as SosChange;
    const out = notificationsOf(change, { volunteerUsers, staffIds: ['s1', 's2'] }, 15);
    expect(out.map((n) => [n.dedupKey, n.userId, n.channel, n.category])).toEqual([
      [`sos:${sosId}:event:4:s1`, 's1', 'PUSH', 'ESCALATION'],
      [`sos:${sosId}:event:4:s1:sms`, 's1', 'SMS', 'ESCALATION'],
      [`sos:${sosId}:event:4:s2`, 's2', 'PUSH', 'ESCALATION'],
      [`sos:${sosId}:event:4:s2:sms`, 's2', 'SMS', 'ESCALATION'],
      [`sos:${sosId}:event:5`, 'r', 'PUSH', 'SOS_ARRIVED'],
    ]);
  });

  it('an accept tells the requester, once per accepting volunteer', () => {
    const accepted = { sosId, requesterId: 'r', volunteerId: 'v1', volunteerUserId: 'u1' };
    expect(notificationOfAccept(accepted)).toMatchObject({ dedupKey: `sos:${sosId}:accepted:v1`, userId: 'r', category: 'SOS_ACCEPTED' });
  });
});

describe('notification texts', () => {
  it('speak German to "de" devices and English to the rest, and say what and how far only', () => {
    expect(render(NotificationCategory.SOS_ALERT, 'de-AT', { category: 'ACCIDENT', distanceMeters: '300' })).toEqual({
      title: 'SOS in der Nähe: Unfall',
      body: '300 m von dir entfernt. Kannst du helfen? Öffnen zum Antworten.',
    });
    expect(render(NotificationCategory.SOS_ALERT, 'fr-FR', { distanceMeters: '300' })!.title).toBe('SOS nearby: emergency');
    expect(render(NotificationCategory.SOS_ACCEPTED, 'en', {})!.title).toBe('Help is on the way');
  });

  it('has no text for a silent push', () => {
    expect(render(NotificationCategory.ALERT_CLEARED, 'en', {})).toBeNull();
  });

  it('has SMS texts that stand without the app', () => {
    expect(renderSms(NotificationCategory.SOS_ALERT, 'en', { category: 'MEDICAL', distanceMeters: '80' })).toBe('CareConnect: SOS nearby (medical emergency, 80 m from you). Open the app to answer.');
    expect(renderSms(NotificationCategory.PHONE_CODE, 'de', { code: '042917' })).toContain('042917');
    expect(renderSms(NotificationCategory.SOS_ACCEPTED, 'en', {})).toBeNull();
  });
});

describe('quiet hours', () => {
  const berlinNight = { startMinute: 22 * 60, endMinute: 7 * 60, timeZone: 'Europe/Berlin' };

  it('span midnight in the person’s time zone, daylight saving included', () => {
    // 21:30 UTC is 23:30 in Berlin in summer (UTC+2) and 22:30 in winter (UTC+1): quiet both times.
    expect(inQuietHours(berlinNight, new Date('2026-07-01T21:30:00Z'))).toBe(true);
    expect(inQuietHours(berlinNight, new Date('2026-01-15T21:30:00Z'))).toBe(true);
    // 05:30 UTC is 07:30 in Berlin in summer (past the end) but 06:30 in winter (still quiet).
    expect(inQuietHours(berlinNight, new Date('2026-07-01T05:30:00Z'))).toBe(false);
    expect(inQuietHours(berlinNight, new Date('2026-01-15T05:30:00Z'))).toBe(true);
    expect(inQuietHours(berlinNight, new Date('2026-01-15T12:00:00Z'))).toBe(false);
  });

  it('within a day when the window does not cross midnight', () => {
    const lunch = { startMinute: 12 * 60, endMinute: 13 * 60, timeZone: 'UTC' };
    expect(inQuietHours(lunch, new Date('2026-03-03T12:00:00Z'))).toBe(true);
    expect(inQuietHours(lunch, new Date('2026-03-03T13:00:00Z'))).toBe(false);
  });
});
