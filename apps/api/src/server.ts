import { buildApp } from './app.ts';
import { loadApiConfig } from './config.ts';

/**
 * Starts the API: config from the environment, listen on PORT, close with grace on SIGTERM/SIGINT
 * (in-flight requests finish, connections and the queue close); a second signal exits at once.
 */
const config = loadApiConfig(process.env);
const app = buildApp(config);

let closing: Promise<void> | undefined;
function shutdown(signal: NodeJS.Signals): void {
  if (closing !== undefined) {
    app.log.warn({ signal }, 'second signal: exiting without waiting');
    process.exit(1);
  }
  app.log.info({ signal }, 'closing');
  closing = app.close().then(
    () => process.exit(0),
    (error: unknown) => {
      app.log.error({ err: error }, 'close failed');
      process.exit(1);
    },
  );
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

try {
  await app.listen({ port: config.port, host: config.host });
} catch (error) {
  app.log.fatal({ err: error }, 'could not start');
  await app.close();
  process.exit(1);
}
