import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { execute, type ExecutionArgs, type GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Request, Response } from 'express';
import { createHandler } from 'graphql-sse/lib/use/express';
import { ACCOUNT_GONE, type AccountStanding, type Context } from '../platform/auth';
import { runInRequestScope } from '../platform/logger';
import type { AccountLost } from './context';
import { DocumentCache } from './document-cache';
import { streamedOperation, type StreamDeps } from './operation-args';
import { subscribeWithLoadersPerEvent } from './subscription-events';


/** A refusal before any stream starts: the same JSON and status codes as an HTTP request gets. */
function refusal(status: number, errors: readonly GraphQLFormattedError[]) {
  return [JSON.stringify({ errors }), { status, statusText: errors[0]?.message ?? 'Refused', headers: { 'content-type': 'application/json; charset=utf-8' } }] as const;
}

/**
 * Subscriptions over Server-Sent Events (graphql-sse, "distinct connections" mode) at
 * `/graphql/stream`, for networks that block WebSocket upgrades: each subscription is one POST
 * (`Accept: text/event-stream`) answered by its own event stream. The same token (the
 * Authorization header, checked when the stream opens), documents, limits and resolvers as over
 * WebSocket, so replay works the same (`afterSeq`, `after`). A stream ends when its token expires
 * (the client refreshes and asks again) and when an admin suspends the account.
 */
export function attachServerSentEvents(deps: StreamDeps) {
  const { contexts, metrics } = deps;
  const documents = new DocumentCache(deps.limits);
  /** Open streams by person, to end them when the account is lost; and every one, for shutdown. */
  const streamsOf = new Map<string, Set<ServerResponse>>();
  const open = new Set<ServerResponse>();
  const format = (errors: readonly GraphQLError[]) => errors.map((e) => deps.formatError(e.toJSON(), e));

  /** From the moment the stream is answered until it closes, whichever side ends it. */
  const track = (res: ServerResponse, userId: string, expiresAt: number) => {
    const own = streamsOf.get(userId) ?? new Set<ServerResponse>();
    streamsOf.set(userId, own.add(res));
    open.add(res);
    metrics.subscriptionsActive.inc();
    deps.onUserConnected(userId);
    const expiry = setTimeout(() => res.end(), expiresAt - Date.now());
    expiry.unref();
    res.once('close', () => {
      clearTimeout(expiry);
      own.delete(res);
      if (own.size === 0) streamsOf.delete(userId);
      open.delete(res);
      metrics.subscriptionsActive.dec();
      deps.onUserDisconnected(userId);
    });
  };

  // The context is made per operation in onSubscribe (ours, not graphql-sse's).
  const contextOf = (args: { contextValue?: unknown }) => args.contextValue as Context;
  const handler = createHandler({
    schema: deps.schema,
    onSubscribe: async (req, params) => {
      const raw = req.raw as IncomingMessage;
      const res = (req.context as unknown as { res: ServerResponse }).res;
      const claims = contexts.verify(raw.headers.authorization);
      if (!claims) return refusal(401, [{ message: 'Unauthenticated', extensions: { code: 'UNAUTHENTICATED' } }]);
      const info = { requestId: randomUUID(), clientIp: deps.clientIpOf(raw) };
      // A database that cannot answer now does not refuse the stream: its resolvers check the account.
      const standing = await contexts.accountStanding(info, claims.userId).catch((): AccountStanding => 'active');
      if (standing === 'suspended') return refusal(403, [{ message: 'Account suspended', extensions: { code: 'FORBIDDEN', suspended: true } }]);
      if (standing !== 'active') return refusal(401, [{ message: ACCOUNT_GONE, extensions: { code: 'UNAUTHENTICATED' } }]);
      const contextValue = contexts.forSocket(info, claims, () => res.end());
      const args = await streamedOperation({ schema: deps.schema, limits: deps.limits, trustedDocuments: deps.trustedDocuments, documents }, params, contextValue);
      // A document that cannot run (unparsable, over the limits, bad variables): 400, as over HTTP.
      if (!('schema' in args)) return refusal(400, format(args));
      track(res, claims.userId, claims.expiresAt);
      return args as never;
    },
    execute: (args) => runInRequestScope(contextOf(args).requestId, () => execute(args as ExecutionArgs)),
    subscribe: (args) => runInRequestScope(contextOf(args).requestId, () => subscribeWithLoadersPerEvent(args as ExecutionArgs)),
    onNext: (_ctx, _req, result) => (result.errors ? { ...result, errors: format(result.errors) } : undefined) as never,
  });

  return {
    /** After a JSON body parser with the request size limit: graphql-sse itself would read any size. */
    handler: (req: Request, res: Response) => handler(req, res),
    /** Ends the person's streams on this instance (an admin suspended the account, or it was deleted). */
    closeLost: (userId: string, _standing: AccountLost) => {
      for (const res of streamsOf.get(userId) ?? []) res.end();
    },
    /** Ends every stream: the server is shutting down (clients reconnect to another instance). */
    dispose: () => {
      for (const res of open) res.end();
    },
  };
}
