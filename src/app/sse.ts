import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { execute, type ExecutionArgs, type GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Request, Response } from 'express';
import { createHandler } from 'graphql-sse/lib/use/express';
import { ACCOUNT_GONE, type AccountStanding, type Context } from '../platform/auth';
import { runInRequestScope } from '../platform/logger';
import { streamedOperation, type StreamDeps } from './operation-args';
import { subscribeWithLoadersPerEvent } from './subscription-events';

/** A refusal before any stream starts: the same JSON and status codes as an HTTP request gets. (The status text is fixed: a message may quote what the client sent.) */
function refusal(status: number, errors: readonly GraphQLFormattedError[]) {
  return [JSON.stringify({ errors }), { status, statusText: 'Refused', headers: { 'content-type': 'application/json; charset=utf-8' } }] as const;
}

const refusalBody = (message: string, code: string) => ({ errors: [{ message, extensions: { code } }] });

/** Ends a stream: politely once it is answered, else by closing the connection (graphql-sse has not written its head yet). */
const endStream = (res: ServerResponse) => (res.headersSent ? res.end() : res.destroy());

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
  /** Open streams by person: to end them when the account is lost, and all of them on shutdown. */
  const streamsOf = new Map<string, Set<ServerResponse>>();
  const format = (errors: readonly GraphQLError[]) => errors.map((e) => deps.formatError(e.toJSON(), e));

  /** From the moment the stream is answered until it closes, whichever side ends it. */
  const track = (res: ServerResponse, userId: string, expiresAt: number) => {
    const own = streamsOf.get(userId) ?? new Set<ServerResponse>();
    streamsOf.set(userId, own.add(res));
    metrics.subscriptionsActive.inc();
    deps.onUserConnected(userId);
    const expiry = setTimeout(() => endStream(res), expiresAt - Date.now());
    expiry.unref();
    res.once('close', () => {
      clearTimeout(expiry);
      own.delete(res);
      if (own.size === 0) streamsOf.delete(userId);
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
      const contextValue = contexts.forSocket(info, claims, () => endStream(res));
      const args = await streamedOperation(deps, params, contextValue);
      // A document that cannot run (unparsable, over the limits, bad variables): 400, as over HTTP.
      if (!('schema' in args)) return refusal(400, format(args));
      // The client may have gone while the account was read: nothing to track.
      if (res.destroyed) return refusal(499, [{ message: 'Client closed the request' }]);
      track(res, claims.userId, claims.expiresAt);
      return args as never;
    },
    execute: (args) => runInRequestScope(contextOf(args).requestId, () => execute(args as ExecutionArgs)),
    subscribe: (args) => runInRequestScope(contextOf(args).requestId, () => subscribeWithLoadersPerEvent(args as ExecutionArgs)),
    onNext: (_ctx, _req, result) => (result.errors ? { ...result, errors: format(result.errors) } : undefined) as never,
  });

  return {
    /**
     * After a JSON body parser with the request size limit. Only distinct-connection streams are
     * served: graphql-sse's other ways in (a PUT reserving a stream, a GET one for many
     * operations) would skip these checks, and a body the parser did not take it would read
     * whatever its size.
     */
    handler: async (req: Request, res: Response) => {
      if (req.method !== 'POST') return void res.status(405).set('allow', 'POST').json(refusalBody('Only POST with Accept: text/event-stream', 'METHOD_NOT_ALLOWED'));
      if (req.headers.accept !== 'text/event-stream') return void res.status(406).json(refusalBody('Accept must be text/event-stream', 'NOT_ACCEPTABLE'));
      if (req.body === undefined) return void res.status(415).json(refusalBody('The body must be JSON (Content-Type: application/json)', 'UNSUPPORTED_MEDIA_TYPE'));
      await handler(req, res);
    },
    /** Ends the person's streams on this instance (an admin suspended the account, or it was deleted). */
    closeLost: (userId: string) => {
      for (const res of streamsOf.get(userId) ?? []) endStream(res);
    },
    /** Ends every stream: the server is shutting down (clients reconnect to another instance). */
    dispose: () => {
      for (const own of streamsOf.values()) for (const res of own) endStream(res);
    },
  };
}
