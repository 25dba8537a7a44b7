import DataLoader from 'dataloader';
import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Role, type Context } from '../../platform/auth';
import { AppError, notFound } from '../../platform/errors';
import { pageSize } from '../../platform/graphql/cursor';
import { ID } from '../../platform/graphql/id.scalar';
import { assertId } from '../../platform/validation';
import type { NotificationDispatcher } from './notifications.dispatcher';
import type { AttemptRow, NotificationRow, NotificationsRepository } from './notifications.repository';
import { Notification, NotificationAttempt } from './types/notification.type';

type Attempt = AttemptRow & { notificationId: string; at: Date };

/** Admins' view of notifications given up on (the dead letters), what each attempt got, and a second chance. */
@Resolver(() => Notification)
export class DeadLettersResolver {
  private readonly attemptsLoader = () =>
    new DataLoader<string, Attempt[]>(async (ids) => {
      const attempts = await this.repository.attemptsOf(ids);
      return ids.map((id) => attempts.filter((a) => a.notificationId === id));
    });

  constructor(
    private readonly repository: NotificationsRepository,
    private readonly dispatcher: NotificationDispatcher,
  ) {}

  @Authorized(Role.ADMIN)
  @Query(() => [Notification], { description: 'ADMIN only: notifications given up on after their retries (FAILED), newest first.' })
  failedNotifications(@Arg('limit', () => Int, { nullable: true }) limit?: number | null): Promise<NotificationRow[]> {
    return this.repository.failed(pageSize('limit', limit ?? 50));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Notification, { description: 'ADMIN only: sends a FAILED notification again (its attempts count afresh). CONFLICT unless it is FAILED.' })
  async retryNotification(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<NotificationRow> {
    const notificationId = assertId('id', id);
    const revived = await this.repository.revive(notificationId);
    if (!revived) {
      if (!(await this.repository.byId(notificationId))) throw notFound('Notification');
      throw new AppError('CONFLICT', 'Only a FAILED notification can be retried');
    }
    await this.dispatcher.enqueue([{ id: revived.id, at: revived.nextAttemptAt }]);
    ctx.loaders.get(this.attemptsLoader).clear(revived.id);
    return revived;
  }

  @FieldResolver(() => [NotificationAttempt], { description: 'Every attempt, oldest first.' })
  attemptLog(@Root() notification: NotificationRow, @Ctx() ctx: Context): Promise<Attempt[]> {
    return ctx.loaders.get(this.attemptsLoader).load(notification.id);
  }
}
