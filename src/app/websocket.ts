import type { Server as HttpServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { GraphQLError, execute } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { ACCOUNT_GONE, type AccessClaims, type AccountStanding, type Context } from '../platform/auth';
import { runInRequestScope } from '../platform/logger';
import type { AccountLost } from './context';
import { streamedOperation, type StreamDeps } from './operation-args';
import { subscribeWithLoadersPerEvent } from './subscription-events';

/** Close code telling the client its token is missing, invalid or expired: refresh, then reconnect. */
export const CLOSE_UNAUTHENTICATED = 4401;
/** Close code telling the client an admin suspended the account: do not reconnect. */
export const CLOSE_SUSPENDED = 4403;
const SUSPENDED = 'Account suspended';

interface Connection {
  id: string;
  claims: AccessClaims;
  clientIp: string;
  expiryTimer: NodeJS.Timeout;
  subscriptions: Set<string>;
}

export interface WebSocketDeps extends StreamDeps {
  httpServer: HttpServer;
  maxPayloadBytes: number;
}

/**
 * graphql-ws on the HTTP server's `/graphql`. The access token is checked once when the socket
 * opens; the socket is closed with 4401 the moment that token expires, so a client can never
 * keep streaming on a stale identity. Errors get the same formatting as over HTTP.
 */
export function attachWebSocketServer(deps: WebSocketDeps) {
  const { metrics, contexts } = deps;
  const wsServer = new WebSocketServer({ server: deps.httpServer, path: '/graphql', maxPayload: deps.maxPayloadBytes });
  const connections = new WeakMap<WebSocket, Connection>();
  /** The authenticated sockets of each person on this instance, to close them when an admin suspends the account. */
  const socketsOf = new Map<string, Set<WebSocket>>();
  const closeLost = (socket: WebSocket, standing: AccountLost) =>
    standing === 'suspended' ? socket.close(CLOSE_SUSPENDED, SUSPENDED) : socket.close(CLOSE_UNAUTHENTICATED, ACCOUNT_GONE);

  wsServer.on('connection', (socket) => {
    metrics.websocketsOpen.inc();
    socket.once('close', () => {
      metrics.websocketsOpen.dec();
      const connection = connections.get(socket);
      if (connection) {
        const own = socketsOf.get(connection.claims.userId);
        own?.delete(socket);
        if (own?.size === 0) socketsOf.delete(connection.claims.userId);
        deps.onUserDisconnected(connection.claims.userId);
        clearTimeout(connection.expiryTimer);
        metrics.subscriptionsActive.dec(connection.subscriptions.size);
        connection.subscriptions.clear();
      }
    });
  });

  const format = (errors: readonly GraphQLError[]) => errors.map((e) => deps.formatError(e.toJSON(), e));

  const cleanup = useServer(
    {
      schema: deps.schema,
      onConnect: async ({ connectionParams, extra }) => {
        const claims = contexts.verify(connectionParams?.authorization);
        const id = randomUUID();
        const clientIp = deps.clientIpOf(extra.request);
        if (!claims) {
          extra.socket.close(CLOSE_UNAUTHENTICATED, 'Unauthenticated');
          return false;
        }
        // A database that cannot answer now must not refuse the socket: graphql-ws would close it
        // with 4500, which its clients take as final and stop reconnecting. The account is then
        // checked by the socket's operations.
        const standing = await contexts.accountStanding({ requestId: id, clientIp }, claims.userId).catch((): AccountStanding => 'active');
        // The client may have gone while the account was read: its close was handled already.
        if (extra.socket.readyState !== extra.socket.OPEN) return false;
        if (standing !== 'active') {
          closeLost(extra.socket, standing);
          return false;
        }
        const expiryTimer = setTimeout(() => extra.socket.close(CLOSE_UNAUTHENTICATED, 'Access token expired'), claims.expiresAt - Date.now());
        expiryTimer.unref();
        connections.set(extra.socket, { id, claims, clientIp, expiryTimer, subscriptions: new Set() });
        const own = socketsOf.get(claims.userId) ?? new Set<WebSocket>();
        socketsOf.set(claims.userId, own.add(extra.socket));
        deps.onUserConnected(claims.userId);
        return true;
      },
      onSubscribe: async ({ extra }, id, payload) => {
        const connection = connections.get(extra.socket);
        if (!connection) return [new GraphQLError('Not connected', { extensions: { code: 'UNAUTHENTICATED' } })];
        const contextValue: Context = contexts.forSocket({ requestId: `${connection.id}:${id}`, clientIp: connection.clientIp }, connection.claims, (standing) =>
          closeLost(extra.socket, standing),
        );
        // The query may be sent by the id of an app document instead (its text is then empty).
        const args = await streamedOperation(deps, payload, contextValue);
        return 'schema' in args ? args : [...args];
      },
      execute: (args) => runInRequestScope((args.contextValue as Context).requestId, () => execute(args)),
      subscribe: (args) => runInRequestScope((args.contextValue as Context).requestId, () => subscribeWithLoadersPerEvent(args)),
      onOperation: ({ extra }, id, _payload, _args, result) => {
        if (result && typeof result === 'object' && Symbol.asyncIterator in result) {
          connections.get(extra.socket)?.subscriptions.add(id);
          metrics.subscriptionsActive.inc();
        }
      },
      onComplete: ({ extra }, id) => {
        if (connections.get(extra.socket)?.subscriptions.delete(id)) metrics.subscriptionsActive.dec();
      },
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: format(result.errors) } : undefined),
      onError: (_ctx, _id, _payload, errors) => format(errors),
    },
    wsServer,
    12_000,
  );

  return {
    /** Closes the person's sockets on this instance: 4403 when an admin suspended the account, 4401 when its person deleted it. */
    closeLost: (userId: string, standing: AccountLost) => {
      for (const socket of socketsOf.get(userId) ?? []) closeLost(socket, standing);
    },
    /** Closes every socket with 1001; a client that does not answer the close is cut off after 2 s (ws would wait 30). */
    dispose: async () => {
      const cutOff = setTimeout(() => {
        for (const socket of wsServer.clients) socket.terminate();
      }, 2000);
      cutOff.unref();
      try {
        await cleanup.dispose();
      } finally {
        clearTimeout(cutOff);
      }
    },
  };
}

