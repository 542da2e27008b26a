import { Worker } from 'node:worker_threads';
import type { NotificationChannel } from './notification-channel.js';
import { collectStartupGarbage } from '../lib/startup-memory.js';
import { BUILT_TEMPLATE, restoreTemplate } from './pglite-template.js';
import { createPGliteNotificationChannel } from './pglite-notification-channel.js';
import type { ListenerReport, ListenRequest } from './pglite-listener.js';

/**
 * PGlite on a thread of its own (see pglite-thread-worker.ts), seen from the thread that started it.
 * Postgres in WebAssembly is CPU work: on the main thread it ran between the HTTP server's callbacks, and
 * every query stalled every request. On its own thread it uses another core, and the main thread only
 * speaks the Postgres protocol over the socket, as it does to a real Postgres.
 *
 * The caller keeps everything around it: the directory lock, the checks before creating a database, file
 * permissions, and removing the socket file once the thread stopped.
 */

/** What a thread is told to do: create a database and end, or open one and serve it on a Unix socket. */
export type PGliteThreadData =
  | { task: 'create'; pgdata: string }
  | { task: 'serve'; pgdata: string; socketPath: string; maxConnections: number; restoreFrom: string | null };

/**
 * Messages from the thread: serving, created, failed (with what went wrong), or stopped on request; and a
 * serving thread's notifications (pglite-listener.ts).
 */
export type PGliteThreadReport =
  | { kind: 'ready' }
  | { kind: 'created' }
  | { kind: 'failed'; message: string }
  | { kind: 'stopped' }
  | ListenerReport;

/** Messages to a serving thread: stop serving and close PGlite, or listen on a channel. */
export type PGliteThreadRequest = { kind: 'stop' } | ListenRequest;

export interface PGliteThread {
  /** The shared session's notifications, whoever committed them (see pglite-listener.ts). */
  readonly notifications: NotificationChannel;
  /** Stops the socket server, then closes PGlite (a checkpoint), then ends the thread. */
  stop(): Promise<void>;
}

/** How long `stop` waits for PGlite to close before ending the thread regardless (Postgres recovers from its log). */
const STOP_TIMEOUT_MS = 30_000;

/**
 * The worker's entry, next to this file: compiled JavaScript in dist/, TypeScript where the sources run
 * as they are (the tests; Node strips the types of a worker's .ts file).
 */
function workerEntry(): URL {
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`./pglite-thread-worker.${extension}`, import.meta.url);
}

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

/**
 * Runs a thread until it reports `until`, and resolves with it; rejects with the thread's own message when
 * it fails first (it has ended by then). `afterwards` hears of failures once it resolved.
 */
function runThread(data: PGliteThreadData, until: 'ready' | 'created', afterwards: (error: Error) => void): Promise<{ worker: Worker; exited: Promise<unknown> }> {
  const worker = new Worker(workerEntry(), { workerData: data });
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  let state: 'starting' | 'started' | 'failed' = 'starting';
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      void worker.terminate();
      if (state === 'started') afterwards(error);
      else if (state === 'starting') reject(error);
      state = 'failed'; // one report: a failure is followed by the thread's exit
    };
    worker.on('message', (report: PGliteThreadReport) => {
      if (report.kind === 'failed') fail(new Error(report.message));
      else if (report.kind === until && state === 'starting') {
        state = 'started';
        resolve({ worker, exited });
      }
    });
    worker.on('error', (error: unknown) => fail(asError(error)));
    void exited.then((code) => fail(new Error(`the database thread ended (exit code ${String(code)})`)));
  });
}

/**
 * Creates a new database in `pgdata`: from the template the build made (pglite-template.ts) when it fits
 * this PGlite, otherwise by initdb on a thread that ends once it is written (see pglite-create.ts).
 * `template` is the template's file; null: initdb only.
 */
export async function createPGliteDatabase(pgdata: string, template: string | null = BUILT_TEMPLATE): Promise<'template' | 'initdb'> {
  if (template !== null && restoreTemplate(template, pgdata)) {
    // The unpacked template (about 40 MB outside the heap) is freed only when a full collection finds its
    // buffer, which an idle start-up does not run: freed now, it stays out of the first start's peak.
    collectStartupGarbage();
    return 'template';
  }
  const { exited } = await runThread({ task: 'create', pgdata }, 'created', () => {});
  await exited;
  return 'initdb';
}

/**
 * Opens the database in `pgdata` on a new thread and resolves once its socket accepts connections. The
 * thread ending after that, before `stop` was asked for (an error inside it, or Postgres exiting), is
 * reported to `onLost`: the database is gone for good then, and the caller decides what that means.
 *
 * `restoreFrom`: a template (pglite-template.ts) the thread first unpacks as the new database in `pgdata`
 * (absent). Creating its thousand files is most of a first start's own work; written on that thread, they no
 * longer hold up this one, which loads the application meanwhile.
 */
export async function startPGliteThread(options: { pgdata: string; socketPath: string; maxConnections: number; onLost(error: Error): void; restoreFrom?: string | null }): Promise<PGliteThread> {
  let stopping = false;
  const { worker, exited } = await runThread(
    { task: 'serve', pgdata: options.pgdata, socketPath: options.socketPath, maxConnections: options.maxConnections, restoreFrom: options.restoreFrom ?? null },
    'ready',
    (error) => { if (!stopping) options.onLost(error); },
  );
  const notifications = createPGliteNotificationChannel(worker);
  return {
    notifications,
    async stop() {
      if (stopping) return void (await exited);
      stopping = true;
      const stopped = new Promise<void>((done) => worker.on('message', (report: PGliteThreadReport) => {
        if (report.kind === 'stopped') done();
      }));
      const timedOut = new Promise<void>((done) => setTimeout(done, STOP_TIMEOUT_MS).unref());
      await notifications.close();
      worker.postMessage({ kind: 'stop' } satisfies PGliteThreadRequest);
      // The thread ends by itself once stopped; an error or an exit while closing ends the wait too.
      await Promise.race([stopped, exited, timedOut, new Promise<void>((done) => worker.once('error', () => done()))]);
      await worker.terminate();
    },
  };
}
