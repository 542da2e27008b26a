import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startHydra } from '../targets/hydra.js';
import type { BenchContext } from './context.js';
import { measureDatabaseGrowth } from './database-footprint.js';
import { runOAuthScenarios } from './oauth-scenarios.js';
import { recordSessionGrowth } from './user-pool-scenarios.js';

/** The scenarios Hydra is measured in (it has no password sign-in page nor an identity pool). */
const HYDRA_SCENARIOS = ['client-credentials', 'refresh', 'discovery', 'jwks', 'userinfo', 'introspection', 'ready', 'idle-memory', 'sessions'];

/** Builds (once, cached) the pinned Hydra, or says why it cannot. */
function hydraBinDir(): string {
  const script = join(import.meta.dirname, '..', '..', '..', 'scripts', 'ensure-hydra.sh');
  return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
}

/** Ory Hydra v2.3.0 on the same Postgres, with its defaults and with crypto matched to Latchkey's. */
export async function runHydra(ctx: BenchContext, createDatabase: () => Promise<string>): Promise<void> {
  if (!HYDRA_SCENARIOS.some((s) => ctx.wants(s))) return;
  let binDir: string;
  try {
    binDir = hydraBinDir();
  } catch (error) {
    for (const scenario of HYDRA_SCENARIOS) ctx.record({ scenario, target: 'hydra', skipped: `Hydra could not be built: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` });
    return;
  }
  for (const crypto of ['defaults', 'matched'] as const) {
    const databaseUrl = await createDatabase();
    const hydra = await startHydra({ binDir, databaseUrl, crypto });
    try {
      ctx.record({ scenario: 'ready', target: hydra.name, value: Math.round(hydra.readyMs), unit: 'ms', note: 'migrated beforehand' });
      ctx.record({ scenario: 'idle-memory', target: hydra.name, value: Math.round(hydra.rssMiB()), unit: 'MiB' });
      const service = await hydra.createClient('client_credentials');
      const app = await hydra.createClient('authorization_code');
      await runOAuthScenarios(ctx, {
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
      // What Hydra stores does not depend on its crypto: measured once.
      if (crypto === 'matched' && ctx.wants('sessions')) {
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
    } finally {
      await hydra.close();
    }
  }
}
