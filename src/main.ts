import { ConfigError, loadConfig } from './config/load-config.js';
import { enableCompileCache } from './lib/compile-cache.js';
import { bufferedStdout, createLogger } from './lib/logger.js';
import { settleStartupMemory } from './lib/startup-memory.js';
import { startTracingIfRequested } from './tracing/tracing.js';

/**
 * Entry point of `npm start` and `latchkey serve`: load config, start tracing when an OTLP endpoint is set,
 * start, drain on SIGTERM/SIGINT. The server's modules are imported only after tracing started, so its
 * instrumentation sees `http`, `koa` and `pg` load.
 */
export async function runServer(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  enableCompileCache(env);
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
  const logger = createLogger(config.logLevel, bufferedStdout());
  const tracing = await startTracingIfRequested(env);
  if (tracing) logger.info({ event: 'tracing.started' }, 'OpenTelemetry traces are exported over OTLP');
  const [{ startServer }, { startUpHint }] = await Promise.all([import('./server.js'), import('./landing/start-up-hint.js')]);
  // The same environment the configuration came from holds the values LATCHKEY_CONFIG's secret references name.
  const running = await startServer(config, logger, { env });
  process.stdout.write(`Latchkey is running: ${config.issuer} (discovery: ${config.issuer}/.well-known/openid-configuration)\n`);
  process.stdout.write(`${startUpHint(config).lines.join('\n')}\n`);
  // Start-up's garbage goes back to the system once it has settled (idle RSS; startup-memory.ts).
  settleStartupMemory();
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    // The last spans are flushed after the requests they describe have drained.
    running.close().then(() => tracing?.shutdown()).then(() => process.exit(0), (error: unknown) => {
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
