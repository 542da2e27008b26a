import type * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { discover } from '../support/harness.js';
import { startMinio, type MinioHarness } from '../support/minio.js';
import { runCli } from '../support/processes.js';
import { exchangeToken, putAsRoot, readObject, signInForToken, type CredentialsBody } from '../support/storage.js';
import { freePort, startTestServer, TEST_SECRET, type TestServer } from '../support/test-server.js';

const READER = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::free/*' }] });

interface JobRow { id: number; user_id: string; reason: string; attempts: number; last_error: string | null; done_at: Date | null; next_attempt_at: Date }

/**
 * Revocation of storage credentials is never skipped: `user disable|delete|sign-out` records a job with the
 * change, revokes at once when it can, and otherwise says so (exit 3) and leaves the job to a server that
 * has the object store, which retries with backoff.
 */
describe(`durable revocation of storage credentials (${currentBackend()})`, () => {
  let database: TestDatabase;
  let minio: MinioHarness;
  let server: TestServer;
  let config: oidc.Configuration;
  let s3Env: Record<string, string>;
  let cliEnv: Record<string, string>;
  const ids: Record<string, string> = {};

  let port: number;
  // The same address across restarts, so the signed-in client's configuration stays valid.
  const startServer = () => startTestServer({ env: database.env, issuer: `http://127.0.0.1:${port}`, extraEnv: { ...s3Env, PORT: String(port) } });
  const jobsOf = async (userId: string) => (await server.db.query<JobRow>('SELECT id, user_id, reason, attempts, last_error, done_at, next_attempt_at FROM revocation_jobs WHERE user_id = $1 ORDER BY id', [userId])).rows;
  async function waitForJob(userId: string, done: (job: JobRow) => boolean): Promise<JobRow> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const [job] = await jobsOf(userId);
      if (job && done(job)) return job;
      if (Date.now() > deadline) throw new Error(`job of ${userId} never reached the state: ${JSON.stringify(job)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  async function credentialsFor(username: string): Promise<CredentialsBody> {
    const { status, body } = await exchangeToken(server.issuer, await signInForToken(config, username));
    expect(status, JSON.stringify(body)).toBe(200);
    expect(await readObject(minio, body, 'free/film.txt')).toBe('a film');
    return body;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    minio = await startMinio();
    s3Env = minio.latchkeyEnv;
    cliEnv = { ...database.env, LATCHKEY_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' };
    port = await freePort();
    server = await startServer();
    const { services } = server.latchkey;
    await services.roles.createRole({ name: 'reader', policy: READER });
    await services.roles.setDefaultRole('reader');
    for (const username of ['quinn', 'nora', 'otto', 'ida']) {
      ids[username] = (await services.users.create({ username, email: `${username}@example.com`, password: PASSWORD, emailVerified: true })).id;
    }
    config = await discover(server, await services.clients.create({ name: 'Viewer', redirectUris: [REDIRECT_URI], scope: 'openid email sts' }));
    await putAsRoot(minio, 'free/film.txt', 'a film');
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await minio?.stop();
    await database?.drop();
  });

  it('queues the revocation when the CLI runs without the S3 settings (exit 3), and a server with MinIO carries it out', async () => {
    const credentials = await credentialsFor('quinn');
    await server.close();

    const cli = await runCli(['--json', 'user', 'disable', 'quinn'], cliEnv);
    expect(cli.code, cli.stderr).toBe(3);
    const report = (JSON.parse(cli.stdout) as { enabled: boolean; storage_credentials: { outcome: string; job_id: number; reason: string } });
    expect(report).toMatchObject({ enabled: false, storage_credentials: { outcome: 'queued', job_id: expect.any(Number), reason: expect.stringContaining('S3_ENDPOINT') } });
    // Nobody revoked them yet: this is exactly what used to be reported as done.
    expect(await readObject(minio, credentials, 'free/film.txt')).toBe('a film');

    server = await startServer();
    const job = await waitForJob(ids.quinn!, (j) => j.done_at !== null);
    expect(job).toMatchObject({ id: report.storage_credentials.job_id, reason: 'disabled', attempts: 1, last_error: null });
    expect(await readObject(minio, credentials, 'free/film.txt')).toBe('InvalidAccessKeyId');
  });

  it('revokes at once when the CLI has the S3 settings (exit 0, "revoked now")', async () => {
    const credentials = await credentialsFor('nora');
    const cli = await runCli(['user', 'sign-out', 'nora'], { ...cliEnv, ...s3Env });
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('storage credentials: revoked now');
    expect(await readObject(minio, credentials, 'free/film.txt')).toBe('InvalidAccessKeyId');
    expect(await jobsOf(ids.nora!)).toEqual([expect.objectContaining({ reason: 'signed_out', attempts: 1, last_error: null, done_at: expect.any(Date) })]);
  });

  it('retries later while MinIO is down, counting attempts, and revokes once it is back', async () => {
    const credentials = await credentialsFor('otto');
    await minio.proxy.stop();
    let jobId: number;
    try {
      const cli = await runCli(['--json', 'user', 'disable', 'otto'], { ...cliEnv, ...s3Env });
      expect(cli.code, cli.stderr).toBe(3);
      const report = JSON.parse(cli.stdout) as { storage_credentials: { outcome: string; job_id: number; reason: string } };
      expect(report.storage_credentials).toMatchObject({ outcome: 'queued', reason: expect.stringContaining('unavailable') });
      jobId = report.storage_credentials.job_id;
      const [first] = await jobsOf(ids.otto!);
      expect(first).toMatchObject({ id: jobId, attempts: 1, done_at: null, last_error: expect.stringContaining('unavailable') });
      expect(first!.next_attempt_at.getTime()).toBeGreaterThan(Date.now());

      // Time passes (the retry falls due); the server's worker tries again and fails again.
      await server.db.query('UPDATE revocation_jobs SET next_attempt_at = now() WHERE id = $1', [jobId]);
      await server.latchkey.services.revocations.runDue();
      const second = await waitForJob(ids.otto!, (j) => j.attempts === 2);
      expect(second).toMatchObject({ done_at: null, last_error: expect.stringContaining('unavailable') });
      expect(await readObject(minio, credentials, 'free/film.txt')).toBe('a film');
    } finally {
      await minio.proxy.start();
    }
    await server.db.query('UPDATE revocation_jobs SET next_attempt_at = now() WHERE id = $1', [jobId]);
    await server.latchkey.services.revocations.runDue();
    expect(await waitForJob(ids.otto!, (j) => j.done_at !== null)).toMatchObject({ attempts: 3, last_error: null });
    expect(await readObject(minio, credentials, 'free/film.txt')).toBe('InvalidAccessKeyId');
  });

  it('revokes the storage credentials of a user whose password is reset with a mailed code, or changed on the account page', async () => {
    const { users } = server.latchkey.services;
    const iris = await users.create({ username: 'iris', email: 'iris@example.com', password: PASSWORD, emailVerified: true });
    const beforeReset = await credentialsFor('iris');
    // The proof stands for the mailed code the reset page consumes in the same transaction.
    expect(await users.resetPassword(iris.id, 'a brand new long passphrase', () => Promise.resolve(true))).toBeDefined();
    await waitForJob(iris.id, (job) => job.done_at !== null);
    expect(await readObject(minio, beforeReset, 'free/film.txt')).toBe('InvalidAccessKeyId');

    const ivy = await users.create({ username: 'ivy', email: 'ivy@example.com', password: PASSWORD, emailVerified: true });
    const beforeChange = await credentialsFor('ivy');
    await users.changePassword(ivy.id, PASSWORD, 'another quite long passphrase');
    await waitForJob(ivy.id, (job) => job.done_at !== null);
    expect(await readObject(minio, beforeChange, 'free/film.txt')).toBe('InvalidAccessKeyId');
  });

  it('says "nothing to revoke" (exit 0) for a user who holds no unexpired credentials, and queues nothing', async () => {
    const cli = await runCli(['user', 'delete', 'ida'], cliEnv);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('storage credentials: nothing to revoke');
    expect(await jobsOf(ids.ida!)).toEqual([]);
  });
});
