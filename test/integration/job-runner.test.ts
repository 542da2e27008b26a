import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { openDatabase } from '../../src/db/open-database.js';
import { createJobRunner, type Job, type JobRunner } from '../../src/jobs/job-runner.js';
import { createLogger } from '../../src/lib/logger.js';
import { currentBackend } from '../support/backend.js';
import { createTestClock } from '../support/clock.js';
import { useTestServer } from '../support/harness.js';

const logger = createLogger('silent');

/** A job whose runs wait until the test lets them finish, counting how many started. */
function gatedJob(name: string, intervalSeconds = 3600): Job & { started: number; release(): void } {
  let release = () => {};
  const job = {
    name, intervalSeconds, started: 0,
    release: () => release(),
    run: () => {
      job.started += 1;
      return new Promise<number>((resolve) => { release = () => resolve(1); });
    },
  };
  return job;
}

interface JobRunRow { runs: number; failures: number; last_error: string | null; last_succeeded_at: Date | null; last_failed_at: Date | null; lease_owner: string | null }

describe(`job runner (${currentBackend()})`, () => {
  // One server: its database, and Latchkey's own jobs.
  const ctx = useTestServer();
  let db: Database;
  // A second replica's connections: its own pool on Postgres; the embedded database admits one process.
  let other: Database;
  const runners: JobRunner[] = [];

  beforeAll(async () => {
    db = ctx.server.db;
    const url = ctx.database.env.DATABASE_URL;
    other = url ? await openDatabase({ databaseUrl: url, dataDir: '' }) : db;
  });
  afterAll(async () => {
    for (const runner of runners) await runner.stop();
    if (other !== db) await other?.close();
  });

  function runner(on: Database, jobs: Job[], clock = createTestClock()): JobRunner {
    const created = createJobRunner({ db: on, logger, clock, jobs });
    runners.push(created);
    return created;
  }

  async function row(name: string): Promise<JobRunRow | undefined> {
    const { rows } = await db.query<JobRunRow>('SELECT runs, failures, last_error, last_succeeded_at, last_failed_at, lease_owner FROM job_runs WHERE name = $1', [name]);
    return rows[0];
  }

  it('records successes and failures in job_runs, where every replica reads the same status', async () => {
    let fail = false;
    const job: Job = { name: 'flaky', intervalSeconds: 600, run: async () => { if (fail) throw new Error('object store unreachable'); return 3; } };
    const a = runner(db, [job]);
    const b = runner(other, [job]);

    expect(await a.runNow('flaky')).toEqual({ ran: true, ok: true, rows: 3 });
    fail = true;
    expect(await a.runNow('flaky')).toEqual({ ran: true, ok: false, rows: null });
    expect(await row('flaky')).toMatchObject({ runs: 2, failures: 1, last_error: 'Error: object store unreachable', lease_owner: null });
    const [fromA] = await a.status();
    const [fromB] = await b.status();
    expect(fromA!.lastSucceededAt).toEqual((await row('flaky'))!.last_succeeded_at);
    expect(fromB!.lastSucceededAt).toEqual(fromA!.lastSucceededAt);
  });

  it('runs a due job on one replica only, and not again until its interval has passed', async () => {
    const job = gatedJob('once-per-interval');
    const a = runner(db, [job]);
    const b = runner(other, [job]);
    const outcomes = Promise.all([a.runIfDue(job.name), b.runIfDue(job.name)]);
    await expect.poll(() => job.started).toBe(1);
    job.release();
    expect((await outcomes).filter((o) => o.ran)).toHaveLength(1);
    expect(await b.runIfDue(job.name)).toEqual({ ran: false });
    expect(await a.runIfDue(job.name)).toEqual({ ran: false });
    expect(job.started).toBe(1);
    // An interval later (the database's clock, moved by moving the last start back), it runs again.
    await db.query(`UPDATE job_runs SET last_started_at = now() - interval '3601 seconds' WHERE name = $1`, [job.name]);
    const again = b.runIfDue(job.name);
    await expect.poll(() => job.started).toBe(2);
    job.release();
    expect(await again).toMatchObject({ ran: true, ok: true });
  });

  it('does not start a run while another replica holds the job, even when asked to run it now', async () => {
    const job = gatedJob('exclusive');
    const a = runner(db, [job]);
    const b = runner(other, [job]);
    const first = a.runNow(job.name);
    await expect.poll(() => job.started).toBe(1);
    expect(await b.runNow(job.name)).toEqual({ ran: false });
    expect(await a.runNow(job.name)).toEqual({ ran: false });
    job.release();
    await first;
    const second = b.runNow(job.name);
    await expect.poll(() => job.started).toBe(2);
    job.release();
    expect(await second).toMatchObject({ ran: true, ok: true });
  });

  it('reports lag since the last success, or since start when the job never succeeded', async () => {
    const clock = createTestClock();
    const never: Job = { name: 'never-run', intervalSeconds: 60, run: async () => {} };
    const ok: Job = { name: 'lagging', intervalSeconds: 60, run: async () => {} };
    const r = runner(db, [never, ok], clock);
    r.start();
    await r.runNow('lagging');
    clock.advance(120);
    const status = await r.status();
    expect(status.map((s) => s.name)).toEqual(['never-run', 'lagging']);
    expect(status[0]).toMatchObject({ intervalSeconds: 60, lastSucceededAt: null });
    expect(status[0]!.lagSeconds).toBeGreaterThanOrEqual(119);
    expect(status[1]!.lastSucceededAt).toBeInstanceOf(Date);
    expect(status[1]!.lagSeconds).toBeGreaterThanOrEqual(115);
    expect(status[1]!.lagSeconds).toBeLessThanOrEqual(125);
  });

  it('stops cleanly: stop waits for the run in flight and its record, and nothing runs afterwards', async () => {
    const job = gatedJob('stopping');
    const r = runner(db, [job]);
    const run = r.runNow(job.name);
    await expect.poll(() => job.started).toBe(1);
    let stopped = false;
    const stopping = r.stop().then(() => { stopped = true; });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    job.release();
    await stopping;
    expect(await run).toMatchObject({ ran: true, ok: true });
    expect(await row(job.name)).toMatchObject({ runs: 1, lease_owner: null });
    expect((await row(job.name))!.last_succeeded_at).toBeInstanceOf(Date);
    expect(await r.runNow(job.name)).toEqual({ ran: false });
    expect(job.started).toBe(1);
  });

  it('runs the expiry sweeps as one job, recorded for the status every replica reports', async () => {
    const { db, latchkey } = ctx.server;
    expect(latchkey.services.jobs.jobs.map((job) => job.name).sort()).toEqual(['audit-retention', 'expiry-cleanup', 'key-rotation']);
    await db.query(`INSERT INTO oidc_model (model, id, payload, expires_at) VALUES ('Session', 'expired-for-job', '{}', now() - interval '1 minute')`);
    expect(await latchkey.services.jobs.runNow('expiry-cleanup')).toMatchObject({ ran: true, ok: true });
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM oidc_model WHERE id = 'expired-for-job'`);
    expect(rows[0]!.n).toBe(0);
    const cleanup = (await latchkey.services.jobs.status()).find((s) => s.name === 'expiry-cleanup')!;
    expect(cleanup.intervalSeconds).toBe(600);
    expect(cleanup.lagSeconds).toBeLessThan(5);
  });
});
