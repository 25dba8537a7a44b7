import 'reflect-metadata';
import { ConfigError, loadConfig } from './config';
import { startServer } from './app/create-app';

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

  const server = await startServer(config);
  const shutdown = (signal: NodeJS.Signals) => {
    server.logger.info({ signal }, 'signal received');
    setTimeout(() => {
      server.logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_SECONDS * 1000).unref();
    server.stop().then(
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
