import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { claimJobRun, findJobRuns, finishJobRun, renewJobLease, tryLockJob } from './repositories/job-run.repository.js';

/** A piece of periodic work. */
export interface Job {
  /** Stable: names the job's row in `job_runs`, its lock, and its lag in metrics. */
  readonly name: string;
  /** How often it runs across all replicas together (not per replica). */
  readonly intervalSeconds: number;
  /** Tick at start instead of an interval later (work that should not wait after a deploy). */
  readonly runAtStart?: boolean;
  /**
   * Does the work outside any transaction the runner holds (a job keeps its own transactions short). Resolves
   * to how many rows it changed (logged when not zero); throwing records a failure.
   */
  run(): Promise<number | null | void>;
}

export interface JobStatus {
  name: string;
  intervalSeconds: number;
  /** The last successful run on any replica, null if none ever succeeded. */
  lastSucceededAt: Date | null;
  /** Seconds since that success (or since this runner started when there is none): what alerts watch. */
  lagSeconds: number;
}

/** What one attempt did: `ran` false when another run of the job is live or it was not due. */
export type JobOutcome = { ran: false } | { ran: true; ok: boolean; rows: number | null };

export interface JobRunner {
  readonly jobs: readonly Job[];
  /** Starts ticking every job (timers are unref'd: they never keep the process alive). */
  start(): void;
  /** What a tick does: runs the job if it is due and no run of it is live on any replica. */
  runIfDue(name: string): Promise<JobOutcome>;
  /** Runs the job now, due or not, unless a run of it is live on any replica. */
  runNow(name: string): Promise<JobOutcome>;
  /** Each job's last success and lag, read from `job_runs`, so it is the same from every replica. */
  status(): Promise<JobStatus[]>;
  /** Stops ticking and waits for runs in flight (and their records): none is left running once it resolves. */
  stop(): Promise<void>;
}

/**
 * A run's lease: long enough to ride out a slow round trip, short enough that a replica that died mid-run
 * holds its job up for about a minute. A live run renews it every third of that.
 */
const LEASE_SECONDS = 60;
const MAX_ERROR_LENGTH = 1000;

/** How often a replica asks whether a job is due: a fifth of its interval, from 1 s to a minute. */
export function tickSeconds(intervalSeconds: number): number {
  return Math.min(60, Math.max(1, Math.floor(intervalSeconds / 5)));
}

function describe(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return message.slice(0, MAX_ERROR_LENGTH);
}

/**
 * Runs periodic jobs in every replica, each job on one replica at a time. A tick claims the job in one short
 * transaction: a transaction-scoped advisory try-lock (so no session lock needs handing back on the same
 * pooled client), then a guarded upsert of its `job_runs` row that starts a lease only when the job is due
 * and no lease is live. The work runs after that transaction commits, not inside it: on the embedded
 * database an open transaction holds the one session every request shares, and jobs make network calls
 * (MinIO) and batch their deletes in transactions of their own. Jobs stay safe to run concurrently in
 * themselves (batch locks, SKIP LOCKED, the signing-key lock); the runner makes one replica do each round.
 */
export function createJobRunner(deps: { db: Database; logger: Logger; clock: Clock; jobs: readonly Job[] }): JobRunner {
  const { db, logger, clock, jobs } = deps;
  const byName = new Map(jobs.map((job) => [job.name, job]));
  if (byName.size !== jobs.length) throw new Error('job names must be unique');
  const inFlight = new Map<string, Promise<JobOutcome>>();
  const timers: NodeJS.Timeout[] = [];
  let startedAt = clock.now();
  let stopped = false;

  function named(name: string): Job {
    const job = byName.get(name);
    if (!job) throw new Error(`no job named ${name}`);
    return job;
  }

  async function runClaimed(job: Job, owner: string): Promise<JobOutcome> {
    let renewing: Promise<unknown> = Promise.resolve();
    const renewal = setInterval(() => {
      renewing = renewing.then(() => renewJobLease(db, job.name, owner, LEASE_SECONDS))
        .then((held) => { if (!held) logger.warn({ job: job.name }, 'job outlived its lease; another replica may run it too'); })
        .catch((error: unknown) => logger.warn({ err: error, job: job.name }, 'job lease renewal failed'));
    }, (LEASE_SECONDS / 3) * 1000);
    renewal.unref();
    let failure: string | null = null;
    let rows: number | null = null;
    try {
      const result = await job.run();
      rows = typeof result === 'number' ? result : null;
      if (rows) logger.info({ job: job.name, rows }, 'job changed rows');
    } catch (error) {
      failure = describe(error);
      logger.warn({ err: error, job: job.name }, 'job failed');
    } finally {
      clearInterval(renewal);
      await renewing;
    }
    await finishJobRun(db, job.name, owner, failure)
      .catch((error: unknown) => logger.warn({ err: error, job: job.name }, 'could not record the end of a job run; its lease lapses'));
    return { ran: true, ok: failure === null, rows };
  }

  function attempt(job: Job, ignoreInterval: boolean): Promise<JobOutcome> {
    if (stopped || inFlight.has(job.name)) return Promise.resolve({ ran: false });
    const owner = randomUUID();
    const run = db.transaction(async (tx) => (await tryLockJob(tx, job.name))
      && claimJobRun(tx, { name: job.name, owner, leaseSeconds: LEASE_SECONDS, intervalSeconds: job.intervalSeconds, ignoreInterval }))
      .then((claimed): Promise<JobOutcome> | JobOutcome => (claimed ? runClaimed(job, owner) : { ran: false }))
      .catch((error: unknown): JobOutcome => {
        logger.warn({ err: error, job: job.name }, 'could not claim a job run');
        return { ran: false };
      })
      .finally(() => inFlight.delete(job.name));
    inFlight.set(job.name, run);
    return run;
  }

  return {
    jobs,
    start() {
      if (stopped || timers.length) return;
      startedAt = clock.now();
      for (const job of jobs) {
        const tick = () => { void attempt(job, false); };
        // The first tick an interval after start (or at once), as a plain setInterval would; later ones
        // more often, so that the replicas together start the job soon after it falls due.
        const first = setTimeout(() => {
          tick();
          const every = setInterval(tick, tickSeconds(job.intervalSeconds) * 1000);
          every.unref();
          timers.push(every);
        }, job.runAtStart ? 0 : job.intervalSeconds * 1000);
        first.unref();
        timers.push(first);
      }
    },
    runIfDue: (name) => attempt(named(name), false),
    runNow: (name) => attempt(named(name), true),
    async status() {
      const rows = await findJobRuns(db, jobs.map((job) => job.name));
      const now = clock.now().getTime();
      return jobs.map((job) => {
        const lastSucceededAt = rows.find((row) => row.name === job.name)?.last_succeeded_at ?? null;
        const since = (lastSucceededAt ?? startedAt).getTime();
        return { name: job.name, intervalSeconds: job.intervalSeconds, lastSucceededAt, lagSeconds: Math.max(0, Math.round((now - since) / 1000)) };
      });
    },
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      await Promise.all(inFlight.values());
    },
  };
}
