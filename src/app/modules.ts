import type { GraphQLSchema } from 'graphql';
import { AccessTokens } from '../platform/auth';
import { DomainEvents, type Emitter } from '../platform/events';
import { analyticsResolvers, createAnalyticsModule } from '../modules/analytics';
import { auditResolvers, AuditKind, AuditSubjectType, createAuditModule } from '../modules/audit';
import { authResolvers, createAuthModule, type AuthEvents } from '../modules/auth';
import { citiesResolvers, createCitiesModule, type CitiesEvents } from '../modules/cities';
import { chatResolvers, createChatModule, type ChatEvents } from '../modules/chat';
import { createModerationModule, FlagAction, FlagSubjectType, moderationResolvers, type ModerationEvents } from '../modules/moderation';
import { createNotificationsModule, notificationsResolvers } from '../modules/notifications';
import { createOpsModule, opsResolvers } from '../modules/ops';
import { createPrivacyModule, privacyResolvers, type PrivacyEvents } from '../modules/privacy';
import { PresenceService, type PresenceEvents } from '../modules/presence';
import { createUsersModule, usersResolvers, type UsersEvents } from '../modules/users';
import { createSignalingModule, signalingResolvers } from '../modules/signaling';
import { createSosModule, sosResolvers, type SosEvents } from '../modules/sos';
import { createVolunteersModule, volunteersResolvers, type VolunteerEvents } from '../modules/volunteers';
import { systemContext } from '../platform/auth';
import type { Infrastructure } from './infrastructure';

/** Every domain event of the API: each module declares its own in `<module>.events.ts`. */
export type AppEvents = SosEvents & VolunteerEvents & PresenceEvents & AuthEvents & ChatEvents & UsersEvents & ModerationEvents & PrivacyEvents & CitiesEvents;

/** Every resolver class of the API, as each module lists its own. */
export const resolverClasses = [
  ...usersResolvers,
  ...authResolvers,
  ...volunteersResolvers,
  ...sosResolvers,
  ...chatResolvers,
  ...signalingResolvers,
  ...notificationsResolvers,
  ...auditResolvers,
  ...moderationResolvers,
  ...privacyResolvers,
  ...analyticsResolvers,
  ...opsResolvers,
  ...citiesResolvers,
] as const;

/** Wires every module to the infrastructure, to the modules it calls, and to the events it reacts to. */
export function createModules(infra: Infrastructure) {
  const events = new DomainEvents<AppEvents>(infra.logger);
  const tokens = new AccessTokens(infra.config.JWT_SECRET, infra.config.ACCESS_TOKEN_TTL_SECONDS);
  const users = createUsersModule(infra.sql, events);
  const audit = createAuditModule(infra.sql, infra.logger);
  const auth = createAuthModule({ ...infra, users: users.service, tokens, events });
  // Flags are about people, volunteers and SOS, whose modules raise them: those are reached through ports.
  const moderation = createModerationModule(infra.sql, events, {
    markSubject: (tx, type, id, flagged) => {
      if (type === FlagSubjectType.USER) return users.service.setReviewFlag(tx, id, flagged);
      if (type === FlagSubjectType.VOLUNTEER) return volunteers.service.setReviewFlag(tx, id, flagged);
      return sos.service.setReviewFlag(tx, id, flagged);
    },
    // The emitter of the flag's transaction: the bus is every module's, so it carries the users module's events too.
    suspend: (ctx, tx, emit, userId, reason) => users.service.suspendWithin(ctx, tx, emit as Emitter<UsersEvents>['emit'], userId, reason, null),
  });
  const flags = moderation.service;
  const cities = createCitiesModule(infra.sql, infra.config, users.service, events);
  const volunteers = createVolunteersModule({ ...infra, events, users: users.service, flags });
  const sos = createSosModule({ ...infra, events, users: users.service, volunteers: volunteers.service, search: volunteers.search, flags, cities: cities.service });
  const presence = new PresenceService(infra.redis, events, infra.logger);
  const chat = createChatModule({ ...infra, users: users.service, sos: sos.service, presence, events });
  const signaling = createSignalingModule({ ...infra, chat: chat.service, sos: sos.service });
  const notifications = createNotificationsModule({
    ...infra,
    users: users.service,
    volunteers: volunteers.service,
    ports: {
      isOnline: (userId) => presence.isOnline(userId),
      verifiedPhoneOf: (userId) => users.service.verifiedPhoneOf(userId),
      emailOf: (userId) => users.service.emailOf(userId),
      isAlertUnattended: (alertId) => sos.service.isAlertUnattended(alertId),
    },
  });
  const analytics = createAnalyticsModule(infra.reads, infra.config.AREA_H3_RESOLUTION, {
    concurrency: infra.config.ANALYTICS_CONCURRENCY,
    queue: infra.config.ANALYTICS_QUEUE_LENGTH,
  });
  const ops = createOpsModule(infra.sql, infra.config, infra.logger);
  // A person's data is in every module: each exports and purges its own.
  const privacy = createPrivacyModule({
    ...infra,
    events,
    ports: {
      sections: {
        account: (userId, db) => users.service.exportOf(userId, db),
        volunteer: (userId, db) => volunteers.service.exportOf(userId, db),
        sos: (userId, db) => sos.personalData.exportOf(userId, db),
        chat: (userId, db) => chat.personalData.exportOf(userId, db),
        notifications: (userId, db) => notifications.personalData.exportOf(userId, db),
        sessions: (userId, db) => auth.personalData.exportOf(userId, db),
        flags: (userId, db) => moderation.service.exportOf(userId, db),
      },
      isPassword: (userId, password) => auth.service.isPassword(userId, password),
      lockAccount: async (tx, userId) => {
        await users.service.lockAccount(tx, userId);
        return volunteers.service.lockProfileOf(tx, userId);
      },
      openInvolvement: (tx, userId) => sos.personalData.openInvolvement(tx, userId),
      erase: async (tx, userId) => {
        await sos.personalData.anonymiseRequester(tx, userId);
        await users.service.deleteAccount(tx, userId);
      },
    },
    purges: [
      (cutoffs) => sos.personalData.purge(cutoffs),
      (cutoffs) => chat.personalData.purge(cutoffs),
      () => auth.personalData.purge(),
      (cutoffs) => audit.service.purge(cutoffs),
    ],
  });

  // Who reacts to what, across modules. Transaction listeners write in the transaction of the
  // change (they commit or roll back with it); the others run once it has committed.
  events.onTransaction('sos.assignmentChanged', ({ volunteerId, assignment }, tx) => volunteers.service.assign(tx, volunteerId, assignment));
  events.on('sos.assignmentChanged', ({ volunteerId, assignment }) => volunteers.service.setLiveAssignment(volunteerId, assignment?.sosId ?? null));
  events.onTransaction('sos.accepted', ({ sosId, requesterId, volunteerUserId }, tx) => chat.service.openForSos(tx, sosId, [requesterId, volunteerUserId]));
  events.onTransaction('sos.volunteerDropped', ({ sosId, volunteerUserId }, tx) => chat.service.leaveSos(tx, sosId, volunteerUserId));
  // A location fix of an assigned volunteer, on its way to the requester's socket.
  events.on('volunteer.locationFixed', (fix) => sos.locationRelay.forward(fix));
  events.on('presence.changed', (change) => chat.presenceChanged(change));
  // Notifications are written in the transaction of what causes them (outbox), and sent once it committed.
  events.onTransaction('sos.changed', (change, tx) => notifications.outbox.sosChanged(tx, change));
  events.onTransaction('sos.accepted', (accepted, tx) => notifications.outbox.sosAccepted(tx, accepted));
  events.on('sos.changed', (change) => notifications.outbox.committed(change));
  events.on('sos.accepted', (accepted) => notifications.outbox.committed(accepted));
  events.onTransaction('auth.passwordResetRequested', (request, tx) => notifications.outbox.passwordResetRequested(tx, request));
  events.on('auth.passwordResetRequested', (request) => notifications.outbox.committed(request));
  events.onTransaction('chat.messageSent', (sent, tx) => notifications.outbox.messageSent(tx, sent));
  events.on('chat.messageSent', (sent) => notifications.outbox.committed(sent));
  // Staff actions and security events are audited in the transaction of the action.
  events.onTransaction('user.roleChanged', ({ userId, from, to, adminId }, tx) =>
    audit.service.record(tx, { actorId: adminId, kind: AuditKind.ROLE_CHANGED, subjectType: AuditSubjectType.USER, subjectId: userId, details: { from, to } }),
  );
  // A suspended volunteer is offered no SOS: their offers withdrawn and the SOS they were on
  // matched again without them, unavailable in PostgreSQL, all with the suspension; then out of
  // the live index. The SOS rows are locked before the profile, as accepting an SOS does.
  events.onTransaction('user.suspended', async ({ userId }, tx, { emit }) => {
    const volunteer = await volunteers.service.byUserId(systemContext(`suspension:${userId}`), userId);
    if (!volunteer) return;
    await sos.standDownVolunteer(tx, emit, { id: volunteer.id, userId });
    await volunteers.service.standDown(tx, userId);
  });
  events.on('user.suspended', ({ userId }) => volunteers.service.forgetLive(userId));
  events.onTransaction('user.suspended', ({ userId, adminId, reason, until }, tx) =>
    audit.service.record(tx, { actorId: adminId, kind: AuditKind.ACCOUNT_SUSPENDED, subjectType: AuditSubjectType.USER, subjectId: userId, details: { reason, until } }),
  );
  events.onTransaction('user.reinstated', ({ userId, adminId }, tx) =>
    audit.service.record(tx, { actorId: adminId, kind: AuditKind.ACCOUNT_REINSTATED, subjectType: AuditSubjectType.USER, subjectId: userId }),
  );
  events.onTransaction('volunteer.verified', ({ volunteerId, userId, adminId }, tx) =>
    audit.service.record(tx, { actorId: adminId, kind: AuditKind.VOLUNTEER_VERIFIED, subjectType: AuditSubjectType.VOLUNTEER, subjectId: volunteerId, details: { userId } }),
  );
  events.onTransaction('volunteer.rejected', ({ volunteerId, userId, adminId, reason }, tx) =>
    audit.service.record(tx, { actorId: adminId, kind: AuditKind.VOLUNTEER_REJECTED, subjectType: AuditSubjectType.VOLUNTEER, subjectId: volunteerId, details: { userId, reason } }),
  );
  events.onTransaction('sos.cancelledByStaff', ({ sosId, staffId, reason }, tx) =>
    audit.service.record(tx, { actorId: staffId, kind: AuditKind.SOS_CANCELLED_BY_STAFF, subjectType: AuditSubjectType.SOS, subjectId: sosId, details: { reason } }),
  );
  events.onTransaction('sos.reassigned', ({ sosId, staffId, ...details }, tx) =>
    audit.service.record(tx, { actorId: staffId, kind: AuditKind.SOS_REASSIGNED, subjectType: AuditSubjectType.SOS, subjectId: sosId, details }),
  );
  events.onTransaction('city.staffChanged', ({ userId, cityId, adminId, assigned }, tx) =>
    audit.service.record(tx, { actorId: adminId, kind: assigned ? AuditKind.STAFF_CITY_ASSIGNED : AuditKind.STAFF_CITY_REMOVED, subjectType: AuditSubjectType.USER, subjectId: userId, details: { cityId } }),
  );
  events.onTransaction('sos.noteAdded', ({ sosId, noteId, staffId }, tx) =>
    audit.service.record(tx, { actorId: staffId, kind: AuditKind.SOS_NOTE_ADDED, subjectType: AuditSubjectType.SOS, subjectId: sosId, details: { noteId } }),
  );
  // Reads and lockouts have no transaction: written on their own (reads once per while).
  events.on('sos.exactLocationRead', ({ sosId, staffId }) =>
    audit.service.recordRead({ actorId: staffId, kind: AuditKind.EXACT_LOCATION_READ, subjectType: AuditSubjectType.SOS, subjectId: sosId }),
  );
  events.on('volunteer.exactLocationRead', ({ volunteerId, staffId }) =>
    audit.service.recordRead({ actorId: staffId, kind: AuditKind.EXACT_LOCATION_READ, subjectType: AuditSubjectType.VOLUNTEER, subjectId: volunteerId }),
  );
  events.on('auth.loginLockedOut', ({ userId, clientIp, retryAfterSeconds }) =>
    audit.service.recordNow({ actorId: null, kind: AuditKind.LOGIN_LOCKED_OUT, subjectType: AuditSubjectType.USER, subjectId: userId, details: { clientIp, retryAfterSeconds } }),
  );
  events.onTransaction('flag.resolved', ({ flagId, kind, subjectType, subjectId, personId, action, note, staffId }, tx) =>
    audit.service.record(tx, { actorId: staffId, kind: AuditKind.FLAG_RESOLVED, subjectType: AuditSubjectType[subjectType as keyof typeof AuditSubjectType], subjectId, details: { flagId, kind, action, note, personId } }),
  );
  // A warning is mailed to the person concerned, from the outbox like any notification.
  events.onTransaction('flag.resolved', (resolved, tx) => (resolved.action === FlagAction.WARN ? notifications.outbox.flagResolved(tx, resolved) : Promise.resolve()));
  events.on('flag.resolved', (resolved) => notifications.outbox.committed(resolved));
  events.onTransaction('account.deleted', ({ userId }, tx) =>
    audit.service.record(tx, { actorId: userId, kind: AuditKind.ACCOUNT_DELETED, subjectType: AuditSubjectType.USER, subjectId: userId }),
  );
  events.on('account.deleted', ({ userId, volunteerId }) => (volunteerId ? volunteers.service.forgetLive(userId, volunteerId) : undefined));
  events.onTransaction('auth.refreshTokenReused', ({ userId, familyId, revoked }, tx) =>
    audit.service.record(tx, { actorId: null, kind: AuditKind.REFRESH_TOKEN_REUSED, subjectType: AuditSubjectType.USER, subjectId: userId, details: { familyId, revoked } }),
  );

  return {
    tokens,
    events,
    users: users.service,
    auth: auth.service,
    volunteers: volunteers.service,
    volunteerSearch: volunteers.search,
    presence,
    sos: sos.service,
    cities: cities.service,
    /** Background work of the API server (scripts do not start it): matching, the outage replay, notification delivery. */
    background: {
      start: () => {
        sos.background.start();
        notifications.background.start();
        privacy.retention.start();
      },
    },
    notificationChannels: notifications.channels,
    chat: chat.service,
    /** Stops background work (timers, workers): the server on shutdown, scripts when done. */
    close: async () => {
      chat.close();
      privacy.retention.stop();
      ops.service.close();
      await Promise.all([presence.close(), sos.background.close(), notifications.background.close()]);
    },
    /** Binds what the schema's subscriptions need once the schema exists. */
    bindSchema: (schema: GraphQLSchema) => {
      sos.bindSchema(schema);
      chat.bindSchema(schema);
      signaling.bindSchema(schema);
      ops.bindSchema(schema);
    },
    resolvers: [
      ...users.resolvers,
      ...auth.resolvers,
      ...volunteers.resolvers,
      ...sos.resolvers,
      ...chat.resolvers,
      ...signaling.resolvers,
      ...notifications.resolvers,
      ...audit.resolvers,
      ...moderation.resolvers,
      ...privacy.resolvers,
      ...analytics.resolvers,
      ...ops.resolvers,
      ...cities.resolvers,
    ],
  };
}

export type Modules = ReturnType<typeof createModules>;
