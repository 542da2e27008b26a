import { ConfigError, loadConfig } from './config/load-config.js';
import { createLogger } from './lib/logger.js';
import { startServer } from './server.js';
import { startUpHint } from './landing/start-up-hint.js';

/** Entry point of `npm start` and `latchkey serve`: load config, start, drain on SIGTERM/SIGINT. */
export async function runServer(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`latchkey: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const running = await startServer(config, logger);
  process.stdout.write(`Latchkey is running: ${config.issuer} (discovery: ${config.issuer}/.well-known/openid-configuration)\n`);
  process.stdout.write(`${startUpHint(config).lines.join('\n')}\n`);
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    running.close().then(() => process.exit(0), (error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runServer().catch((error: unknown) => {
    process.stderr.write(`latchkey: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
