/**
 * `npm run bench [-- --quick] [-- --profile] [-- --only=SCENARIO,…]`: Latchkey on Postgres and on the embedded database, side
 * by side with the bare oidc-provider, Ory Hydra and the argon2id ceiling, in one run on this machine. Starts
 * what it needs (a throwaway Postgres cluster with fsync on, unless LATCHKEY_BENCH_DATABASE_URL names a server;
 * MinIO; each server as a process of its own, all of them serving at once), drives every scenario with the
 * closed-loop load generator on loopback, each scenario's targets in alternating runs, and writes a Markdown
 * report with a chart to bench/results/. Nothing here asserts a time: the report states
 * the targets and whether this run met them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createThrowawayPostgres, type ThrowawayPostgres } from '../test/support/throwaway-postgres.js';
import { startMinio, type MinioHarness } from '../test/support/minio.js';
import { argon2Ceiling } from './argon2-ceiling.js';
import { authorizationCodeFlow, discoverEndpoints, type Endpoints } from './flows/authorization-code.js';
import { cpuProbe } from './cpu-time.js';
import { callTree, type CpuProfile } from './flame-graph.js';
import { machineInfo } from './machine.js';
import type { TargetProfile } from './report-profiles.js';
import { writeReport } from './report.js';
import { parseSettings } from './settings.js';
import { checkTargets } from './target-checks.js';
import { createContext, type BenchContext } from './scenarios/context.js';
import { queueOAuthScenarios, type OAuthTarget } from './scenarios/oauth-scenarios.js';
import { recordIdle, runLatchkeyStartup } from './scenarios/startup.js';
import { queueCredentialExchange, queueDirectAssumeRole, queueSignIns, runSessionFootprint } from './scenarios/user-pool-scenarios.js';
import { startHydraTargets } from './scenarios/hydra-scenarios.js';
import { BARE_READER, startBareProvider } from './targets/bare-provider.js';
import { BENCH_PASSWORD, benchUser, startLatchkey, writeBenchConfig, type LatchkeyTarget } from './targets/latchkey.js';

/** A full run's report is kept in bench/results/; a quick one (figures not for comparison) goes to a temporary folder. */
function reportFolder(quick: boolean): string {
  return quick ? join(tmpdir(), 'latchkey-bench-quick') : join(import.meta.dirname, '..', '..', 'bench', 'results');
}

/**
 * Every target serves at once (the queue alternates between them): Latchkey's pool of 10 and its listener,
 * and the two Hydras' pools of 40 each (targets/hydra-config.ts), with room to spare.
 */
const BENCH_MAX_CONNECTIONS = 200;

async function createDatabaseOn(adminUrl: string): Promise<string> {
  const name = `latchkey_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function latchkeyAsOAuthTarget(target: LatchkeyTarget): Promise<OAuthTarget> {
  const endpoints = await discoverEndpoints(target.url);
  return {
    name: target.name, issuer: target.url, endpoints, service: target.service, serviceScope: 'api:read', app: target.app,
    introspection: { url: endpoints.introspection, client: target.app },
    userTokens: async (count) => {
      const sets = [];
      for (let i = 0; i < count; i += 1) sets.push(await authorizationCodeFlow({ endpoints, client: target.app, login: benchUser(i), password: BENCH_PASSWORD, signIn: 'latchkey' }));
      return sets;
    },
  };
}

/** Records a started Latchkey's idle figures and queues its throughput scenarios (with the tokens they use). */
async function queueLatchkey(ctx: BenchContext, target: LatchkeyTarget, minio: MinioHarness | null): Promise<Endpoints> {
  recordIdle(ctx, target.name, target.server, 'seeded: 2 clients, 64 users');
  const oauth = await latchkeyAsOAuthTarget(target);
  await queueOAuthScenarios(ctx, oauth);
  queueSignIns(ctx, target, oauth.endpoints, 'latchkey');
  await queueCredentialExchange(ctx, target, oauth.endpoints, minio ? { endpoint: minio.endpoint, accessKey: minio.stsAccessKey, secretKey: minio.stsSecretKey } : null);
  return oauth.endpoints;
}

/** A folder for a target's CPU profile when profiling, and reading it back once the process exited. */
function profiler(enabled: boolean, cleanups: (() => Promise<void>)[]) {
  const profiles: TargetProfile[] = [];
  return {
    profiles,
    dirFor(): string | undefined {
      if (!enabled) return undefined;
      const dir = mkdtempSync(join(tmpdir(), 'latchkey-bench-profile-'));
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
      return dir;
    },
    collect(target: string, dir: string | undefined): void {
      if (!dir) return;
      // One file per thread: CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile, thread 0 the main one.
      const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile')).sort();
      if (files.length === 0) throw new Error(`${target} wrote no CPU profile in ${dir}`);
      for (const file of files) {
        const thread = Number(file.split('.')[4]);
        const name = files.length === 1 ? target : `${target}, ${thread === 0 ? 'main thread' : `worker thread ${thread}`}`;
        profiles.push({ target: name, tree: callTree(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile) });
      }
    },
  };
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  const startedAt = new Date();
  const ctx = createContext(settings);
  const cleanups: (() => Promise<void>)[] = [];
  const profiling = profiler(settings.profile, cleanups);
  try {
    let adminUrl = process.env.LATCHKEY_BENCH_DATABASE_URL;
    if (!adminUrl) {
      ctx.progress('starting a throwaway Postgres cluster (fsync on, as an operator runs it)');
      const cluster: ThrowawayPostgres = await createThrowawayPostgres({ maxConnections: BENCH_MAX_CONNECTIONS, durable: true });
      cleanups.push(() => cluster.destroy());
      adminUrl = cluster.url('postgres');
    }
    // Before the cluster's cleanup, which runs after it: the CPU probes' connections are closed first.
    cleanups.push(() => ctx.closeProbes());
    const machine = await machineInfo(adminUrl);
    const createDatabase = () => createDatabaseOn(adminUrl);

    await runLatchkeyStartup(ctx, createDatabase);

    ctx.progress('starting MinIO');
    const minio = await startMinio();
    cleanups.push(() => minio.stop());
    const s3 = { endpoint: minio.endpoint, accessKey: minio.stsAccessKey, secretKey: minio.stsSecretKey };
    const configDir = mkdtempSync(join(tmpdir(), 'latchkey-bench-config-'));
    cleanups.push(async () => rmSync(configDir, { recursive: true, force: true }));
    const configFile = writeBenchConfig(configDir);

    // Every target is started and its scenarios queued first; the queue then measures each scenario's targets
    // in alternating runs, so that no ratio compares figures taken minutes apart (scenarios/interleaving.ts).
    const databaseUrl = await createDatabase();
    const postgresProfile = profiling.dirFor();
    const onPostgres = await startLatchkey({ name: 'latchkey (Postgres)', databaseUrl, configFile, s3, ...(postgresProfile ? { cpuProfileDir: postgresProfile } : {}) });
    cleanups.push(() => onPostgres.stop());
    ctx.watchCpu(onPostgres.name, cpuProbe(onPostgres.server.pid, { databaseUrl, splitMainThread: true }));
    const postgresEndpoints = await queueLatchkey(ctx, onPostgres, minio);

    const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-bench-data-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const embeddedProfile = profiling.dirFor();
    const embedded = await startLatchkey({ name: 'latchkey (embedded)', dataDir, configFile, s3, ...(embeddedProfile ? { cpuProfileDir: embeddedProfile } : {}) });
    cleanups.push(() => embedded.stop());
    ctx.watchCpu(embedded.name, cpuProbe(embedded.server.pid, { splitMainThread: true }));
    await queueLatchkey(ctx, embedded, minio);
    queueDirectAssumeRole(ctx, s3);

    const bare = await startBareProvider();
    cleanups.push(() => bare.stop());
    ctx.watchCpu(bare.name, cpuProbe(bare.server.pid, { splitMainThread: true }));
    recordIdle(ctx, bare.name, bare.server);
    const bareEndpoints = await discoverEndpoints(bare.url);
    await queueOAuthScenarios(ctx, {
      name: bare.name, issuer: bare.url, endpoints: bareEndpoints, service: bare.service, serviceScope: 'api:read', app: bare.app,
      introspection: { url: bareEndpoints.introspection, client: BARE_READER },
      notes: { userinfo: 'opaque access token: oidc-provider accepts no JWT at userinfo', introspection: 'opaque access token' },
      userTokens: async (count) => {
        const sets = [];
        for (let i = 0; i < count; i += 1) sets.push(await authorizationCodeFlow({ endpoints: bareEndpoints, client: bare.app, login: `user${i}`, password: BENCH_PASSWORD, signIn: 'library' }));
        return sets;
      },
      readerTokens: () => authorizationCodeFlow({ endpoints: bareEndpoints, client: BARE_READER, login: 'reader', password: BENCH_PASSWORD, signIn: 'library' }),
    });
    queueSignIns(ctx, bare, bareEndpoints, 'library');

    const hydra = await startHydraTargets(ctx, createDatabase);
    if (hydra) cleanups.push(() => hydra.close());

    if (ctx.wants('password-sign-in')) {
      const ceiling = argon2Ceiling({ seconds: settings.seconds });
      ctx.measureWith('password-sign-in', ceiling.target, ceiling.runOnce, { note: ceiling.note });
    }

    ctx.progress('measuring: the targets of each scenario in alternating runs');
    await ctx.runQueued();

    // Scenario 6's sessions are made after the throughput runs, which then ran on the seeded pool alone.
    await runSessionFootprint(ctx, onPostgres, postgresEndpoints, databaseUrl);
    await hydra?.afterQueued();

    await bare.stop();
    await hydra?.close();
    await onPostgres.stop();
    profiling.collect(onPostgres.name, postgresProfile);
    await embedded.stop();
    profiling.collect(embedded.name, embeddedProfile);

    const report = writeReport({ machine, settings, measurements: ctx.measurements, targets: checkTargets(ctx.measurements), outDir: reportFolder(settings.quick), startedAt, profiles: profiling.profiles });
    process.stdout.write(`${report.markdown}\nreport: ${report.markdownPath}\nchart: ${report.svgPath}\n`);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
