import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { ClientCredentials } from '../targets/hydra-authorization-code.js';
import { startHydra, type HydraTarget } from '../targets/hydra.js';
import type { BenchContext } from './context.js';
import { cpuProbe } from '../cpu-time.js';
import { measureDatabaseGrowth } from './database-footprint.js';
import { queueOAuthScenarios } from './oauth-scenarios.js';
import { recordSessionGrowth } from './user-pool-scenarios.js';

/** The scenarios Hydra is measured in (it has no password sign-in page nor an identity pool). */
const HYDRA_SCENARIOS = ['client-credentials', 'refresh', 'discovery', 'jwks', 'userinfo', 'introspection', 'ready', 'idle-memory', 'sessions'];

/** Builds (once, cached) the pinned Hydra, or says why it cannot. */
function hydraBinDir(): string {
  const script = join(import.meta.dirname, '..', '..', '..', 'scripts', 'ensure-hydra.sh');
  return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
}

/** The Hydra servers of a run, serving until `close()`; `afterQueued` takes the figures measured once the queue has run. */
export interface HydraTargets {
  afterQueued(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Ory Hydra v2.3.0 on the same Postgres, with its defaults and with crypto matched to Latchkey's: both
 * started, their idle figures recorded and their OAuth scenarios queued (they serve while the queue runs,
 * interleaved with the other targets). What Hydra stores per session does not depend on its crypto: it is
 * measured once, on the matched one, after the queue. Null when no Hydra scenario is selected or Hydra could
 * not be built (the report says why).
 */
export async function startHydraTargets(ctx: BenchContext, createDatabase: () => Promise<string>): Promise<HydraTargets | null> {
  if (!HYDRA_SCENARIOS.some((s) => ctx.wants(s))) return null;
  let binDir: string;
  try {
    binDir = hydraBinDir();
  } catch (error) {
    for (const scenario of HYDRA_SCENARIOS) ctx.record({ scenario, target: 'hydra', skipped: `Hydra could not be built: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` });
    return null;
  }
  const running: HydraTarget[] = [];
  const close = async () => {
    for (const hydra of running.splice(0)) await hydra.close();
  };
  let sessions: (() => Promise<void>) | undefined;
  try {
    for (const crypto of ['defaults', 'matched'] as const) {
      const databaseUrl = await createDatabase();
      const hydra = await startHydra({ binDir, databaseUrl, crypto });
      running.push(hydra);
      // Go's runtime runs goroutines on threads of its choosing: the process is counted as a whole.
      ctx.watchCpu(hydra.name, cpuProbe(hydra.pid, { databaseUrl, splitMainThread: false }));
      ctx.record({ scenario: 'ready', target: hydra.name, value: Math.round(hydra.readyMs), unit: 'ms', note: 'migrated beforehand' });
      ctx.record({ scenario: 'idle-memory', target: hydra.name, value: Math.round(hydra.rssMiB()), unit: 'MiB' });
      const service = await hydra.createClient('client_credentials');
      const app = await hydra.createClient('authorization_code');
      await queueOAuthScenarios(ctx, {
        name: hydra.name, issuer: hydra.publicUrl, endpoints: { ...hydra.endpoints, authorization: `${hydra.publicUrl}/oauth2/auth` },
        service, serviceScope: 'api:read', app,
        introspection: { url: hydra.endpoints.introspection, client: null },
        notes: { introspection: 'on the admin port, without client authentication' },
        userTokens: async (count) => {
          const sets = [];
          for (let i = 0; i < count; i += 1) sets.push(await hydra.obtainTokens(app));
          return sets;
        },
      });
      if (crypto === 'matched' && ctx.wants('sessions')) sessions = () => measureHydraSessions(ctx, hydra, app, databaseUrl);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { afterQueued: async () => { await sessions?.(); }, close };
}

async function measureHydraSessions(ctx: BenchContext, hydra: HydraTarget, app: ClientCredentials, databaseUrl: string): Promise<void> {
  const count = ctx.settings.sessions;
  ctx.progress(`  sessions · ${hydra.name} · ${count} authorization code flows`);
  const growth = await measureDatabaseGrowth(databaseUrl, count, async () => {
    let done = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (done++ < count) await hydra.obtainTokens(app);
    }));
  });
  recordSessionGrowth(ctx, 'hydra', count, growth, 'authorization code flows with refresh tokens (login and consent not remembered, as in its other scenarios)');
}
