import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LatchkeyApp } from './app.js';
import type { Config } from './config/load-config.js';
import { resolveSecrets } from './config/resolve-secrets.js';
import type { StsBackend } from './identity-pool/minio-sts-client.js';
import type { Database } from './db/database.js';
import { defaultMigrationsDir, migrate, readMigrations } from './db/migrate.js';
import { openDatabase } from './db/open-database.js';
import type { Clock } from './lib/clock.js';
import type { UpstreamTransport } from './federation/provider-types.js';
import type { Logger } from './lib/logger.js';
import { startMetricsListener } from './http/metrics-listener.js';
import { settleOtherThreads } from './lib/startup-memory.js';
import { convertLegacyOidcModels } from './oidc/legacy-model-conversion.js';
import { createModelAtRest } from './oidc/model-at-rest.js';
import { announceMailDelivery } from './mail/create-mailer.js';
import { portInUse } from './errors/startup-error.js';
import { startUpHint } from './landing/start-up-hint.js';
import { tracingRequested } from './tracing/tracing.js';

export interface RunningServer {
  url: string;
  port: number;
  latchkey: LatchkeyApp;
  db: Database;
  /** The metrics listener's port when `LATCHKEY_METRICS_PORT` is set (else /metrics is on `port`). */
  metricsPort: number | null;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes the database. */
  close(graceMs?: number): Promise<void>;
}

/** Opens the database, migrates, builds the app and listens: what `latchkey serve` and `npm start` run. */
export async function startServer(config: Config, logger: Logger, options: { db?: Database; sts?: StsBackend | null; clock?: Clock; upstreamTransport?: UpstreamTransport; env?: Readonly<Record<string, string | undefined>> } = {}): Promise<RunningServer> {
  const secrets = resolveSecrets(config, logger);
  // The port is bound before the database is opened or migrated, so a port in use stops start-up at once
  // with a message naming PORT (not after migrations, and not with a bare EADDRINUSE). Until the app is
  // built every request is answered 503 with Retry-After: the process is starting, not ready.
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => {
    if (handle) return handle(req, res);
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1', 'cache-control': 'no-store' });
    res.end('{"error":"temporarily_unavailable","error_description":"Latchkey is starting"}');
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(portInUse('PORT', config.host, config.port, error)));
    server.listen(config.port, config.host, () => resolve());
  });
  // The application's modules, most of start-up's own work, load while the database opens and migrates (the
  // embedded one works on a thread of its own, Postgres in its own process). The declarative configuration's
  // reader (a YAML parser, the document's schemas, the planner) only when LATCHKEY_CONFIG names a file.
  const modules = Promise.all([import('./app.js'), import('./services.js'), config.configFile ? import('./declarative/apply-at-start.js') : null]);
  modules.catch(() => {}); // awaited below, unless the database fails first and ends start-up
  let db: Database;
  try {
    db = options.db ?? await openDatabase({
      databaseUrl: config.databaseUrl, dataDir: config.dataDir, preparedStatements: config.dbPreparedStatements, role: 'server',
      onCreate: (dir) => logger.info({ dataDir: dir }, 'creating a new embedded database'),
    });
  } catch (error) {
    server.close();
    throw error;
  }
  try {
    const migrations = readMigrations(defaultMigrationsDir());
    const report = await migrate(db, migrations);
    if (report.applied.length) logger.info({ applied: report.applied }, 'migrations applied');
    // The embedded database's thread collects what migrating left before the app is built (start-up peak).
    if (report.applied.length && db.kind === 'embedded') settleOtherThreads();
    // A newer replica or CLI already migrated further (rolling upgrade): this build keeps serving.
    if (report.newer.length) logger.info({ newer: report.newer }, 'the database holds migrations from a newer Latchkey');
    // Provider rows from before ids were hashed: re-key a bounded amount now, the rest with maintenance. A
    // database that held no migration before this start has no provider rows at all, so nothing to look for
    // (the scan was about a tenth of an embedded first start).
    if (report.alreadyApplied > 0) {
      const atRest = createModelAtRest(secrets);
      await convertLegacyOidcModels(db, atRest).then((rows) => { if (rows) logger.info({ rows }, 'legacy provider rows re-keyed'); })
        .catch((error: unknown) => logger.warn({ err: error }, 're-keying legacy provider rows failed; retried with maintenance'));
    }
    const [{ createApp }, { createServices }, declarative] = await modules;
    // LATCHKEY_CONFIG: the declared state, before the app serves anything (its secret references read from the environment).
    if (config.configFile && declarative) {
      const servicesFor = (tx: Database) => createServices({ config, db: tx, secrets, logger, sts: null });
      await declarative.applyConfigAtStart({ db, servicesFor, logger }, config.configFile, options.env ?? process.env);
    }
    const latchkey = await createApp({ config, db, secrets, logger, migrations, routersAtStart: tracingRequested(options.env ?? process.env), ...(options.sts !== undefined ? { sts: options.sts } : {}), ...(options.clock ? { clock: options.clock } : {}), ...(options.upstreamTransport ? { upstreamTransport: options.upstreamTransport } : {}) });
    const callback = latchkey.app.callback();
    handle = (req, res) => { void callback(req, res); };
    const { port } = server.address() as AddressInfo;
    const metricsListener = config.metricsPort === null ? null : await startMetricsListener({
      registry: latchkey.metrics.registry, token: config.metricsToken, host: config.metricsHost, port: config.metricsPort, logger,
    }).catch((error: unknown) => {
      throw (error as { code?: string }).code === 'EADDRINUSE' ? portInUse('LATCHKEY_METRICS_PORT', config.metricsHost, config.metricsPort!, error) : error;
    });
    latchkey.holder.startPolling(config.keyRefreshSeconds);
    // Periodic work (expiry cleanup, revocations, audit retention): every replica ticks, one runs each round.
    const { jobs } = latchkey.services;
    jobs.start();
    logger.info({ issuer: config.issuer, port, database: db.kind }, 'latchkey listening');
    logger.info(startUpHint(config).fields, 'next: open the landing page, create a user, try the playground');
    announceMailDelivery(config, logger);
    let closing: Promise<void> | undefined;
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      latchkey,
      db,
      metricsPort: metricsListener?.port ?? null,
      close(graceMs = 10_000) {
        closing ??= (async () => {
          const jobsStopped = jobs.stop();
          latchkey.holder.stop();
          server.closeIdleConnections();
          const drained = new Promise<void>((resolve) => server.close(() => resolve()));
          const timeout = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
          await Promise.race([drained, timeout]);
          server.closeAllConnections();
          await metricsListener?.close();
          await jobsStopped;
          if (!options.db) await db.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    server.close();
    if (!options.db) await db.close();
    throw error;
  }
}
