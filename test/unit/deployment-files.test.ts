import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load-config.js';
import { ROOT } from '../support/processes.js';

interface ComposeService { build?: string; image?: string; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }>; volumes?: string[]; entrypoint?: string[]; ports?: string[] }

/** Compose interpolation: ${VAR}, ${VAR:-default} and ${VAR:?message}, from `vars`. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op: string | undefined, arg: string | undefined) => {
    if (vars[name] !== undefined) return vars[name];
    if (op === '-') return arg ?? '';
    throw new Error(`compose needs ${name}: ${arg ?? ''}`);
  });
}

/**
 * The compose stack cannot be started here (no container engine), so its contract is checked instead:
 * every service is wired, and the environment it gives Latchkey passes Latchkey's own configuration check.
 */
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService> };
  const generated = { LATCHKEY_SECRET: 'x'.repeat(40), POSTGRES_PASSWORD: 'p'.repeat(40), MINIO_ROOT_PASSWORD: 'm'.repeat(40), LATCHKEY_STS_SECRET: 's'.repeat(40) };

  it('runs Postgres, MinIO with its provisioning job, and Latchkey after both', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['latchkey', 'minio', 'minio-init', 'postgres']);
    expect(compose.services.latchkey!.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, 'minio-init': { condition: 'service_completed_successfully' } });
    for (const service of Object.values(compose.services)) {
      if (service.build) expect(existsSync(join(ROOT, service.build, 'Dockerfile'))).toBe(true);
    }
    expect(existsSync(join(ROOT, 'deploy/minio/provision.sh'))).toBe(true);
  });

  it('gives Latchkey an environment its configuration accepts, with the identity pool enabled', () => {
    const env = Object.fromEntries(Object.entries(compose.services.latchkey!.environment!).map(([k, v]) => [k, interpolate(String(v), generated)]));
    const config = loadConfig(env);
    expect(config).toMatchObject({ production: true, port: 3000, s3: { endpoint: 'http://minio:9000', accessKey: 'latchkey-sts', secretKey: generated.LATCHKEY_STS_SECRET } });
    expect(config.databaseUrl).toBe(`postgres://latchkey:${generated.POSTGRES_PASSWORD}@postgres:5432/latchkey`);
  });

  it('serves metrics in production on their own port, published to the host\'s loopback only', () => {
    const service = compose.services.latchkey!;
    const env = Object.fromEntries(Object.entries(service.environment!).map(([k, v]) => [k, interpolate(String(v), generated)]));
    const config = loadConfig(env);
    expect(config).toMatchObject({ production: true, metricsPort: 9464, metricsHost: '0.0.0.0' });
    const published = (service.ports ?? []).map((p) => interpolate(p, {}));
    expect(published).toContain('127.0.0.1:9464:9464');
    expect(published.filter((p) => p.endsWith(':9464'))).toEqual(['127.0.0.1:9464:9464']);
  });

  it('refuses to start without the generated secrets', () => {
    const env = compose.services.latchkey!.environment!;
    expect(() => interpolate(String(env.LATCHKEY_SECRET), {})).toThrow(/run scripts\/compose-env.sh first/);
  });
});
