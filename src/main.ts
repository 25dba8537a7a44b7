import 'reflect-metadata';
import { ConfigError, loadConfig } from './config';
import { startTracing } from './platform/tracing';

/** Process entry: configuration, server, and a graceful exit on SIGTERM/SIGINT within SHUTDOWN_TIMEOUT_SECONDS. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }

  const tracing = await startTracing({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: config.OTEL_SERVICE_NAME, sampleRatio: config.TRACES_SAMPLE_PERCENT / 100 });
  // Loaded only now, so that tracing's instrumentations see http, pg, ioredis and graphql loaded.
  const { startServer } = await import('./app/create-app');
  const server = await startServer(config);
  const shutdown = (signal: NodeJS.Signals) => {
    server.logger.info({ signal }, 'signal received');
    setTimeout(
      () => {
        server.logger.error('graceful shutdown timed out; exiting');
        process.exit(1);
      },
      (config.SHUTDOWN_DRAIN_SECONDS + config.SHUTDOWN_TIMEOUT_SECONDS) * 1000,
    ).unref();
    server
      .stop(config.SHUTDOWN_DRAIN_SECONDS * 1000)
      .then(() => tracing.shutdown())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          server.logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  console.error(JSON.stringify({ level: 'fatal', msg: 'failed to start', err: String((err as Error)?.stack ?? err) }));
  process.exit(1);
});
