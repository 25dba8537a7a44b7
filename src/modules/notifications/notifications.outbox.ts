import type { Tx } from '../../platform/db';
import type { AuthEvents } from '../auth';
import type { ChatEvents } from '../chat';
import type { ModerationEvents } from '../moderation';
import type { SosChange, SosEvents } from '../sos';
import type { UsersService } from '../users';
import type { VolunteersService } from '../volunteers';
import type { NotificationDispatcher } from './notifications.dispatcher';
import type { NotificationsRepository, Written } from './notifications.repository';
import { alertedVolunteers, escalates, notificationOfAccept, notificationOfPasswordReset, notificationOfWarning, notificationsOf, notificationsOfMessage } from './notifications.rules';

/**
 * Writes notifications into the outbox inside the transaction of the change that causes them
 * (they commit or roll back with it), and hands them to the dispatcher once it committed. The
 * rows written for a change are remembered against that change's payload object, which the
 * domain events pass to both listeners: if the instance dies between, the sweeper has them.
 */
export class NotificationOutbox {
  private readonly written = new WeakMap<object, Written[]>();

  constructor(
    private readonly repository: NotificationsRepository,
    private readonly volunteers: VolunteersService,
    private readonly users: UsersService,
    private readonly dispatcher: NotificationDispatcher,
    private readonly smsAfterSeconds: number,
  ) {}

  async sosChanged(tx: Tx, change: SosChange): Promise<void> {
    const known = change.volunteerUsers ?? new Map<string, string>();
    const [looked, staffIds] = await Promise.all([
      this.volunteers.userIdsOf(tx, alertedVolunteers(change).filter((id) => !known.has(id))),
      escalates(change) ? this.users.staffIds(tx) : Promise.resolve([]),
    ]);
    const volunteerUsers = new Map([...known, ...looked]);
    this.written.set(change, await this.repository.insert(tx, notificationsOf(change, { volunteerUsers, staffIds }, this.smsAfterSeconds)));
  }

  async sosAccepted(tx: Tx, accepted: SosEvents['sos.accepted']): Promise<void> {
    this.written.set(accepted, await this.repository.insert(tx, [notificationOfAccept(accepted)]));
  }

  async passwordResetRequested(tx: Tx, request: AuthEvents['auth.passwordResetRequested']): Promise<void> {
    this.written.set(request, await this.repository.insert(tx, [notificationOfPasswordReset(request)]));
  }

  /** Staff warned the person concerned by a flag: they get the note by mail. */
  async flagResolved(tx: Tx, resolved: ModerationEvents['flag.resolved']): Promise<void> {
    const warning = notificationOfWarning(resolved);
    if (warning) this.written.set(resolved, await this.repository.insert(tx, [warning]));
  }

  /** Only participants whose app was closed get a row (delivery checks again when it is due). */
  async messageSent(tx: Tx, sent: ChatEvents['chat.messageSent']): Promise<void> {
    if (sent.offlineRecipientIds.length === 0) return;
    this.written.set(sent, await this.repository.insert(tx, notificationsOfMessage(sent)));
  }

  /** After the commit: deliver now what the transaction wrote. */
  async committed(payload: object): Promise<void> {
    const written = this.written.get(payload);
    this.written.delete(payload);
    if (written && written.length > 0) await this.dispatcher.enqueue(written);
  }
}
