import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import cors from 'cors';
import helmet from 'helmet';
import express, { type Request, type Response } from 'express';
import { redactConfig, type Config } from '../config';
import type { Context } from '../platform/auth';
import { createErrorFormatter } from '../platform/errors';
import { healthRoutes } from '../platform/health';
import { clientIpResolver, httpErrorHandler, notFoundHandler, requestScope } from '../platform/http';
import { createLogger, type Logger } from '../platform/logger';
import { Metrics, metricsPlugin } from '../platform/metrics';
import { ContextFactory } from './context';
import { propagateSuspensions } from './suspensions';
import { OperationLimits } from './graphql-limits';
import { TrustedDocuments, trustedDocumentsMiddleware } from './trusted-documents';
import { createInfrastructure } from './infrastructure';
import { createModules, type Modules } from './modules';
import { buildAppSchema, instanceContainer } from './schema';
import { DocumentCache } from './document-cache';
import type { StreamDeps } from './operation-args';
import { attachServerSentEvents } from './sse';
import { attachWebSocketServer } from './websocket';

export interface RunningServer {
  /** http://host:port/graphql */
  url: string;
  port: number;
  modules: Modules;
  logger: Logger;
  /**
   * Graceful stop: /readyz answers 503 and, for `drainMs`, work goes on as usual (a balancer
   * takes the instance out meanwhile); then refuse new work, finish in-flight requests, close
   * sockets (1001), then Redis and PostgreSQL.
   */
  stop(drainMs?: number): Promise<void>;
}

const REDIS_BOOT_WAIT_MS = 2000;

/**
 * Composition root of one API instance: config -> db -> redis -> modules -> schema ->
 * HTTP + WebSocket on one port and path. Starts even when Redis is down (readyz says so),
 * because the database is the record of truth and must keep taking SOS.
 */
export async function startServer(config: Config, options: { logger?: Logger } = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const metrics = new Metrics();
  const infra = await createInfrastructure(config, { logger, registry: metrics.registry, onQuery: () => metrics.dbQueries.inc(), redisWaitMs: REDIS_BOOT_WAIT_MS });
  const { sql, redis } = infra;
  const modules = createModules(infra);
  const schema = buildAppSchema(instanceContainer(modules.resolvers));
  modules.bindSchema(schema);
  modules.background.start();
  const contexts = new ContextFactory(modules.tokens, modules.users);
  const limits = new OperationLimits(
    schema,
    { maxDepth: config.GRAPHQL_MAX_DEPTH, maxFields: config.GRAPHQL_MAX_FIELDS, maxAliases: config.GRAPHQL_MAX_ALIASES },
    config.GRAPHQL_MAX_COST,
    !config.GRAPHQL_INTROSPECTION,
  );
  const formatError = createErrorFormatter(logger);
  const clientIpOf = clientIpResolver(config.TRUSTED_PROXIES);

  const app = express();
  app.disable('x-powered-by');
  // Security headers for browser clients (helmet). The API answers JSON; the one page it serves is
  // the IDE, whose scripts and frames come from Apollo's CDN, so its CSP is left off while the IDE is on.
  app.use(helmet({ contentSecurityPolicy: config.GRAPHQL_IDE ? false : undefined, crossOriginEmbedderPolicy: false }));
  const httpServer: HttpServer = createServer(app);
  // Idle keep-alive connections outlive those of clients and balancers (60 s is the usual balancer
  // default, 4 s undici's): the client must be the side that closes, or a request it sends just as
  // the server closes that connection fails with ECONNRESET.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  const trustedDocuments = new TrustedDocuments(config.TRUSTED_DOCUMENTS_ONLY, config.NODE_ENV === 'development');
  const streamDeps: StreamDeps = {
    schema,
    contexts,
    limits,
    trustedDocuments,
    documents: new DocumentCache(limits),
    metrics,
    formatError,
    clientIpOf,
    onUserConnected: (userId) => modules.presence.connected(userId),
    onUserDisconnected: (userId) => modules.presence.disconnected(userId),
  };
  const websockets = attachWebSocketServer({ ...streamDeps, httpServer, maxPayloadBytes: config.REQUEST_BODY_LIMIT_BYTES });
  const streams = attachServerSentEvents(streamDeps);

  const suspensions = propagateSuspensions({
    events: modules.events,
    pubsub: infra.pubsub,
    users: modules.users,
    logger,
    redisReady: () => redis.status === 'ready',
    apply: (userId, standing) => {
      contexts.forgetAccount(userId);
      websockets.closeLost(userId, standing);
      streams.closeLost(userId);
    },
  });

  const disposeStreams: ApolloServerPlugin = {
    async serverWillStart() {
      return {
        async drainServer() {
          streams.dispose();
          await websockets.dispose();
        },
      };
    },
  };
  const operationChecks: ApolloServerPlugin = {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const error = limits.checkRequest(document, request.operationName, request.variables);
          if (error) throw error;
        },
      };
    },
  };
  const apollo = new ApolloServer<Context>({
    schema,
    formatError,
    csrfPrevention: true,
    // Persisted documents are the apps' own (trusted-documents.ts): clients cannot register more.
    persistedQueries: false,
    // The process's own SIGTERM handler (main.ts) stops everything in order. Apollo's (on by
    // default outside NODE_ENV=test) would stop Apollo alone and raise the signal again, which
    // kills the process before Redis, the job workers and PostgreSQL are closed.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    introspection: config.GRAPHQL_INTROSPECTION,
    hideSchemaDetailsFromClientErrors: limits.hideSuggestions,
    validationRules: limits.validationRules,
    logger,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: Math.max(1000, config.SHUTDOWN_TIMEOUT_SECONDS * 1000 - 2000) }),
      disposeStreams,
      metricsPlugin(metrics),
      operationChecks,
      config.GRAPHQL_IDE ? ApolloServerPluginLandingPageLocalDefault({ embed: true }) : ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  // Without configured origins there is nothing to allow; skipping the middleware saves ~5 % of a request.
  const corsMiddleware = config.CORS_ORIGINS.length > 0 ? [cors({ origin: config.CORS_ORIGINS.includes('*') ? true : [...config.CORS_ORIGINS], maxAge: 600 })] : [];
  /** Shutting down: /readyz answers 503 so that balancers send nothing new here. */
  let draining = false;
  app.use(requestScope);
  app.use(
    healthRoutes(
      [
        { name: 'postgres', check: () => sql.query('SELECT 1') },
        { name: 'redis', check: () => redis.ping() },
      ],
      metrics,
      () => ({ notifications: modules.notificationChannels() }),
      () => draining,
    ),
  );
  // Subscriptions for networks that refuse WebSocket upgrades; before /graphql, which would take the path too.
  const jsonBody = express.json({ limit: config.REQUEST_BODY_LIMIT_BYTES });
  app.use('/graphql/stream', ...corsMiddleware, jsonBody, streams.handler);
  const httpContext = (req: Request, res: Response) => contexts.forHttp({ requestId: String(res.locals.requestId), clientIp: clientIpOf(req) }, req.headers.authorization);
  app.use(
    '/graphql',
    ...corsMiddleware,
    jsonBody,
    trustedDocumentsMiddleware(trustedDocuments, httpContext),
    expressMiddleware(apollo, { context: async ({ req, res }) => httpContext(req, res) }),
  );
  app.use(notFoundHandler);
  app.use(httpErrorHandler(logger));

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.PORT, config.HOST, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  const url = `http://${host}:${port}/graphql`;
  logger.info({ url, config: redactConfig(config) }, 'CareConnect API listening');

  let stopping: Promise<void> | undefined;
  const stop = (drainMs = 0) =>
    (stopping ??= (async () => {
      draining = true;
      if (drainMs > 0) {
        logger.info({ drainMs }, 'draining: /readyz answers 503, serving on until the balancer has taken this instance out');
        await new Promise((resolve) => setTimeout(resolve, drainMs));
      }
      logger.info('shutting down');
      await apollo.stop();
      suspensions.close();
      await modules.close();
      await infra.close();
      logger.info('stopped');
    })());

  return { url, port, modules, logger, stop };
}
