import { signedIn, type Context } from '../../platform/auth';
import { badInput } from '../../platform/errors';
import { isTimeZone } from '../../platform/validation';
import type { QuietHoursRepository, QuietHoursRow } from './quiet-hours.repository';

export interface QuietHoursInput {
  start: string;
  end: string;
  timeZone: string;
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

const minutesOf = (field: string, time: string): number => {
  const match = TIME.exec(time.trim());
  if (!match) throw badInput(field, 'must be a time of day as HH:MM (24 hours)');
  return Number(match[1]) * 60 + Number(match[2]);
};

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** The minute of the day it is now in a time zone (Intl knows the zones and their daylight saving). */
function localMinute(now: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

/** Whether `now` falls in the window (which spans midnight when it ends before it starts). */
export function inQuietHours(hours: QuietHoursRow, now: Date): boolean {
  const minute = localMinute(now, hours.timeZone);
  return hours.startMinute < hours.endMinute ? minute >= hours.startMinute && minute < hours.endMinute : minute >= hours.startMinute || minute < hours.endMinute;
}

/** A person's quiet hours: non-emergency notifications (chat messages) are not pushed during them. */
export class QuietHours {
  constructor(private readonly repository: QuietHoursRepository) {}

  async mine(ctx: Context): Promise<QuietHoursInput | null> {
    const hours = await this.repository.of(signedIn(ctx));
    return hours && { start: hhmm(hours.startMinute), end: hhmm(hours.endMinute), timeZone: hours.timeZone };
  }

  async set(ctx: Context, input: QuietHoursInput | null | undefined): Promise<QuietHoursInput | null> {
    const userId = signedIn(ctx);
    if (!input) {
      await this.repository.save(userId, null);
      return null;
    }
    const startMinute = minutesOf('start', input.start);
    const endMinute = minutesOf('end', input.end);
    if (startMinute === endMinute) throw badInput('end', 'must differ from start');
    const timeZone = input.timeZone.trim();
    if (!isTimeZone(timeZone)) throw badInput('timeZone', 'must be an IANA time zone such as Europe/Berlin');
    await this.repository.save(userId, { startMinute, endMinute, timeZone });
    return this.mine(ctx);
  }

  async isQuietFor(userId: string, now = new Date()): Promise<boolean> {
    const hours = await this.repository.of(userId);
    return hours !== null && inQuietHours(hours, now);
  }
}
