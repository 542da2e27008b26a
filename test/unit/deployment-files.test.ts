import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load-config.js';
import { ROOT } from '../support/processes.js';

interface ComposeService { build?: string; image?: string; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }>; volumes?: string[]; entrypoint?: string[]; ports?: string[]; profiles?: string[] }
type Compose = { services: Record<string, ComposeService> };

/** Compose interpolation: ${VAR}, ${VAR:-default} and ${VAR:?message}, from `vars`. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op: string | undefined, arg: string | undefined) => {
    if (vars[name] !== undefined && vars[name] !== '') return vars[name];
    if (op === '-') return arg ?? '';
    if (op === '?') throw new Error(`compose needs ${name}: ${arg ?? ''}`);
    return '';
  });
}

const readCompose = (file: string): Compose => parse(readFileSync(join(ROOT, file), 'utf8'), { customTags: [{ tag: '!reset', collection: 'map', resolve: () => null }, { tag: '!reset', collection: 'seq', resolve: () => null }, { tag: '!override', collection: 'map', resolve: (value) => value }, { tag: '!override', collection: 'seq', resolve: (value) => value }] }) as Compose;
const WITH_SECRETS = join(ROOT, 'deploy/init/with-secrets.sh');
const GENERATE = join(ROOT, 'deploy/init/generate-secrets.sh');

/** What the entrypoint wrapper does before Latchkey starts: secrets from the volume, then DATABASE_URL. */
function wrapped(env: Record<string, string>, secretsFile: string): Record<string, string> {
  const out = execFileSync('sh', [WITH_SECRETS, 'env', '-0'], { env: { PATH: process.env.PATH, ...env, LATCHKEY_SECRETS_FILE: secretsFile } });
  return Object.fromEntries(out.toString().split('\0').filter(Boolean).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

describe('the development stack (docker-compose.yml)', () => {
  const compose = readCompose('docker-compose.yml');

  it('runs the secrets job, Postgres, MinIO and its provisioning, Mailpit, Latchkey and the demo app', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['demo', 'latchkey', 'mailpit', 'minio', 'minio-init', 'postgres', 'secrets']);
    expect(compose.services.latchkey!.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, 'minio-init': { condition: 'service_completed_successfully' }, mailpit: { condition: 'service_healthy' } });
    expect(compose.services.postgres!.depends_on).toEqual({ secrets: { condition: 'service_completed_successfully' } });
    for (const service of Object.values(compose.services)) {
      if (service.build) expect(existsSync(join(ROOT, service.build, 'Dockerfile'))).toBe(true);
    }
  });

  it('gives Latchkey, on a fresh clone with no .env, an environment its configuration accepts once the wrapper adds the generated secrets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-secrets-'));
    const file = join(dir, 'env');
    execFileSync('sh', [GENERATE], { env: { PATH: process.env.PATH, LATCHKEY_SECRETS_FILE: file } });
    const env = Object.fromEntries(Object.entries(compose.services.latchkey!.environment!).map(([k, v]) => [k, interpolate(String(v), {})]));
    // The demo's configuration file, where the compose file mounts it.
    expect(compose.services.latchkey!.volumes).toContain(`./deploy/demo/latchkey.yaml:${env.LATCHKEY_CONFIG}:ro`);
    const config = loadConfig(wrapped({ ...env, LATCHKEY_CONFIG: join(ROOT, 'deploy/demo/latchkey.yaml') }, file));
    expect(config).toMatchObject({ production: false, port: 3000, mail: { smtpUrl: 'smtp://mailpit:1025' }, metricsPort: 9464, s3: { endpoint: 'http://minio:9000', accessKey: 'latchkey-sts' } });
    expect(config.secrets?.[0]).toMatch(/^dev-/);
    expect(config.databaseUrl).toMatch(/^postgres:\/\/latchkey:dev-[A-Za-z0-9]+@postgres:5432\/latchkey$/);
    expect(config.s3?.secretKey).toMatch(/^dev-/);
  });

  it('publishes every port on the host\'s loopback only', () => {
    const published = Object.values(compose.services).flatMap((s) => s.ports ?? []).map((p) => interpolate(p, {}));
    expect(published.sort()).toEqual(['127.0.0.1:3000:3000', '127.0.0.1:8025:8025', '127.0.0.1:8080:8080', '127.0.0.1:9000:9000', '127.0.0.1:9464:9464']);
  });
});

describe('deploy/init: the development secrets', () => {
  it('generates dev- secrets once and keeps them on every later start', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'latchkey-secrets-')), 'env');
    execFileSync('sh', [GENERATE], { env: { PATH: process.env.PATH, LATCHKEY_SECRETS_FILE: file } });
    const first = readFileSync(file, 'utf8');
    for (const name of ['LATCHKEY_SECRET', 'POSTGRES_PASSWORD', 'MINIO_ROOT_PASSWORD', 'LATCHKEY_STS_SECRET']) expect(first).toMatch(new RegExp(`^${name}=dev-[A-Za-z0-9]{32,}$`, 'm'));
    execFileSync('sh', [GENERATE], { env: { PATH: process.env.PATH, LATCHKEY_SECRETS_FILE: file } });
    expect(readFileSync(file, 'utf8')).toBe(first);
  });

  it('lets a value already in the environment (.env) win over the volume\'s, and refuses a malformed name', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'latchkey-secrets-')), 'env');
    writeFileSync(file, 'LATCHKEY_SECRET=dev-from-volume\nPOSTGRES_PASSWORD=dev-pg\n');
    expect(wrapped({ LATCHKEY_SECRET: 'from-dotenv' }, file)).toMatchObject({ LATCHKEY_SECRET: 'from-dotenv', POSTGRES_PASSWORD: 'dev-pg' });
    expect(wrapped({ LATCHKEY_SECRET: '' }, file)).toMatchObject({ LATCHKEY_SECRET: 'dev-from-volume' });
    writeFileSync(file, 'PATH;rm -rf /=x\n');
    expect(() => wrapped({}, file)).toThrow();
  });
});

describe('the production override (docker-compose.prod.yml)', () => {
  const prod = readCompose('docker-compose.prod.yml');

  it('drops the demo app, the mail catcher and the secrets job', () => {
    for (const name of ['demo', 'mailpit', 'secrets']) expect(prod.services[name]!.profiles).toEqual(['development']);
  });

  it('requires every secret, the issuer and SMTP from the environment', () => {
    const env = prod.services.latchkey!.environment!;
    for (const name of ['LATCHKEY_SECRET', 'LATCHKEY_ISSUER', 'SMTP_URL', 'POSTGRES_PASSWORD', 'S3_STS_SECRET_KEY']) {
      expect(() => interpolate(String(env[name]), {}), name).toThrow(/compose needs/);
    }
  });
});
