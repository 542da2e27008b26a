import { setFlagsFromString } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
// Relative imports name the .ts file: under the tests Node runs this file as it is (stripping its types),
// and the build rewrites them to .js (rewriteRelativeImportExtensions).
import { collectStartupGarbage, followStartupSettling } from '../lib/startup-memory.ts';
import { rememberFileSizes } from './pglite-file-sizes.ts';
import { BASELINE_WASM_FLAGS, INITDB_PARAMS, startParams } from './pglite-tuning.ts';
import type { PGliteThreadData, PGliteThreadReport, PGliteThreadRequest } from './pglite-thread.js';

/**
 * A database thread (started by pglite-thread.ts). A `create` thread creates a new database and ends. A
 * `serve` thread owns PGlite, the socket server that shares it, the scheduling of whole session turns and
 * the session's LISTENs (pglite-listener.ts), and nothing else: it reports `ready` once the socket accepts
 * connections, and on `stop` closes the socket server before PGlite, so no connection is served by a closing
 * database. Either reports `failed` with the reason, after closing whatever it opened.
 */

/** Lines Postgres wrote to stderr last: the reason a start failed is often there, not in the thrown error. */
const STDERR_LINES = 20;

function isThreadData(value: unknown): value is PGliteThreadData {
  const data = value as Partial<Record<string, unknown>> | null;
  if (!data || typeof data.pgdata !== 'string') return false;
  return data.task === 'create' || (data.task === 'serve' && typeof data.socketPath === 'string' && typeof data.maxConnections === 'number'
    && (data.restoreFrom === null || typeof data.restoreFrom === 'string'));
}

function report(message: PGliteThreadReport): void {
  parentPort?.postMessage(message);
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A new database from the build's template, before PGlite opens it (see startPGliteThread). */
async function restoreNewDatabase(template: string, pgdata: string): Promise<void> {
  const { restoreTemplate } = await import('./pglite-template.ts');
  // The starting thread checked that the template fits and that nothing is in the way, under the data
  // directory's lock: false now means either changed since, which is not ours to resolve.
  if (!restoreTemplate(template, pgdata)) throw new Error(`the template ${template} no longer fits, or ${pgdata} appeared meanwhile`);
  // The unpacked template (about 40 MB outside the heap) is freed only when a full collection finds its
  // buffer, which an idle start-up does not run: freed now, it stays out of the first start's peak.
  collectStartupGarbage();
}

async function run(data: PGliteThreadData): Promise<void> {
  setFlagsFromString(BASELINE_WASM_FLAGS); // before PGlite's WebAssembly is compiled (see pglite-tuning.ts)
  const { PGlite } = await import('@electric-sql/pglite');
  const stderr: string[] = [];
  const onStderr = (line: string) => {
    stderr.push(line);
    if (stderr.length > STDERR_LINES) stderr.shift();
    return false; // kept for the failure message, not printed
  };
  const failed = (error: unknown) => {
    const problems = stderr.filter((line) => /\b(FATAL|PANIC|ERROR)\b/.test(line));
    const postgres = (problems.length ? problems : stderr.slice(-1)).join('; ');
    report({ kind: 'failed', message: postgres ? `${reasonOf(error)} (${postgres})` : reasonOf(error) });
  };
  const options = { startParams: startParams(PGlite.defaultStartParams), initDbStartParams: [...INITDB_PARAMS], onStderr };

  if (data.task === 'create') {
    const { createDatabaseOnDisk } = await import('./pglite-create.ts');
    await createDatabaseOnDisk(data.pgdata, options).then(() => report({ kind: 'created' }), failed);
    return;
  }

  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const { scheduleWholeSessionTurns } = await import('./pglite-session-turns.ts');
  const { createPGliteListener } = await import('./pglite-listener.ts');
  const listener = createPGliteListener(report);
  let db: InstanceType<typeof PGlite> | undefined;
  let server: InstanceType<typeof PGLiteSocketServer> | undefined;
  try {
    if (data.restoreFrom !== null) await restoreNewDatabase(data.restoreFrom, data.pgdata);
    db = await PGlite.create(data.pgdata, options);
    // The data directory is this thread's alone (under its lock): its files' sizes can be carried along.
    rememberFileSizes(db.Module.FS);
    db.onNotification(listener.notified);
    server = new PGLiteSocketServer({ db, path: data.socketPath, maxConnections: data.maxConnections });
    listener.attach(scheduleWholeSessionTurns(server, listener.observe));
    await server.start();
  } catch (error) {
    await server?.stop().catch(() => {});
    await db?.close().catch(() => {});
    failed(error);
    return;
  }

  const opened = { db, server };
  // This thread's heap is its own: it collects start-up's garbage when the server does (startup-memory.ts).
  const unfollow = followStartupSettling();
  parentPort?.on('message', (message: PGliteThreadRequest) => {
    if (message.kind === 'listen') return listener.listen(message.channel);
    if (message.kind !== 'stop') return;
    unfollow();
    void (async () => {
      await opened.server.stop().catch(() => {});
      await opened.db.close().catch(() => {});
      report({ kind: 'stopped' });
      parentPort?.close(); // nothing else keeps the thread alive: it ends
    })();
  });
  report({ kind: 'ready' });
}

if (isThreadData(workerData)) {
  void run(workerData).catch((error: unknown) => report({ kind: 'failed', message: reasonOf(error) }));
} else {
  report({ kind: 'failed', message: 'the database thread was started without its task' });
}
