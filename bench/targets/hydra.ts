import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { startChildServer, type ChildServer } from './child-process.js';
import { authorizationCodeFlow, type ClientCredentials, type TokenSet } from './hydra-authorization-code.js';
import { hydraConfig, hydraDsn, type HydraCrypto } from './hydra-config.js';
import { ensureSigningKeys, installRsa2048SigningKeys } from './hydra-keys.js';
import { startLoginConsentApp } from './hydra-login-consent.js';

const execFileAsync = promisify(execFile);

/** How long the admin port may lag behind the public one. */
const READY_TIMEOUT_MS = 10_000;
const READY_POLL_MS = 20;

export type HydraClientKind = 'client_credentials' | 'authorization_code';

/** A running Hydra v2.3.0 with its login and consent app, as the benchmark measures it. */
export interface HydraTarget {
  /** `hydra (defaults)` or `hydra (matched crypto)`, the report's target name. */
  name: string;
  publicUrl: string;
  adminUrl: string;
  /** Hydra's endpoints the scenarios call (token and userinfo on the public port, introspection on the admin port). */
  endpoints: { authorization: string; token: string; userinfo: string; introspection: string; jwks: string };
  /** The `hydra serve all` process (its peak memory, its last output). */
  server: ChildServer;
  pid: number;
  /** From spawning `hydra serve all` until the public port's /health/ready answered 200 (migrations not included). */
  readyMs: number;
  /** Hydra's resident memory now (VmRSS of /proc/<pid>/status), in MiB. */
  rssMiB(): number;
  /** A confidential client (client_secret_basic): `api:read` for client credentials, `openid offline_access` for the code flow. */
  createClient(kind: HydraClientKind): Promise<ClientCredentials>;
  /** A whole authorization code flow for `bench-user` (scope `openid offline_access`): access, refresh and ID token. */
  obtainTokens(client: ClientCredentials): Promise<TokenSet>;
  close(): Promise<void>;
}

export interface StartHydraOptions {
  /** The folder holding the `hydra` binary (what `scripts/ensure-hydra.sh` prints). */
  binDir: string;
  /** An empty database of Hydra's own: it is migrated here. */
  databaseUrl: string;
  crypto: HydraCrypto;
}

/**
 * Migrates an empty database and starts `hydra serve all --dev` on two free loopback ports, with JWT access
 * tokens, its login and consent app, and the signing keys in place (generated or, for `matched`, RSA-2048), so
 * that no measured request pays for key generation. The child is stopped by `close()`, and killed when this
 * process exits (child-process.ts).
 */
export async function startHydra(options: StartHydraOptions): Promise<HydraTarget> {
  const binary = join(options.binDir, 'hydra');
  const ports = await freePorts(2);
  const publicPort = ports[0]!;
  const adminPort = ports[1]!;
  const publicUrl = `http://127.0.0.1:${publicPort}`;
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const app = await startLoginConsentApp(adminUrl);
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-bench-hydra-'));
  let server: ChildServer | undefined;
  try {
    const configPath = join(dir, 'hydra.json');
    const config = hydraConfig({
      dsn: hydraDsn(options.databaseUrl),
      publicPort,
      adminPort,
      loginUrl: app.loginUrl,
      consentUrl: app.consentUrl,
      systemSecret: randomBytes(32).toString('hex'),
      crypto: options.crypto,
    });
    await writeFile(configPath, JSON.stringify(config, null, 2), { mode: 0o600 });
    // Hydra reads every configuration key from the environment as well (`LOG_LEVEL`, `DSN`, `SERVE_PUBLIC_PORT`…),
    // over the file: a `LOG_LEVEL=silent` meant for Latchkey would stop it. So it gets PATH alone, as
    // startChildServer gives it.
    await execFileAsync(binary, ['migrate', 'sql', 'up', '-e', '--yes', '--config', configPath], { env: { PATH: process.env.PATH ?? '' }, timeout: 120_000 });

    // `serve all` opens both ports together; readiness is timed on the public one, then the admin one is awaited.
    server = await startChildServer(binary, ['serve', 'all', '--dev', '--sqa-opt-out', '--config', configPath], { env: {}, readyUrl: `${publicUrl}/health/ready` });
    await waitReady(`${adminUrl}/health/ready`, server);
    if (options.crypto === 'matched') await installRsa2048SigningKeys(adminUrl);
    await ensureSigningKeys(publicUrl);

    const running = server;
    return {
      name: options.crypto === 'matched' ? 'hydra (matched crypto)' : 'hydra (defaults)',
      publicUrl,
      adminUrl,
      endpoints: {
        authorization: `${publicUrl}/oauth2/auth`,
        token: `${publicUrl}/oauth2/token`,
        userinfo: `${publicUrl}/userinfo`,
        introspection: `${adminUrl}/admin/oauth2/introspect`,
        jwks: `${publicUrl}/.well-known/jwks.json`,
      },
      server: running,
      pid: running.pid,
      readyMs: running.readyMs,
      rssMiB: () => running.rssMiB(),
      createClient: (kind) => createClient(adminUrl, kind, app.redirectUri),
      obtainTokens: (client) => authorizationCodeFlow({ publicUrl, client, redirectUri: app.redirectUri, scope: 'openid offline_access' }),
      close: async () => {
        await running.stop();
        await app.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server?.stop();
    await app.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function createClient(adminUrl: string, kind: HydraClientKind, redirectUri: string): Promise<ClientCredentials> {
  const secret = randomBytes(32).toString('base64url');
  const metadata = kind === 'client_credentials'
    ? { grant_types: ['client_credentials'], scope: 'api:read' }
    : { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], scope: 'openid offline_access', redirect_uris: [redirectUri] };
  const response = await fetch(`${adminUrl}/admin/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: `bench ${kind}`, client_secret: secret, token_endpoint_auth_method: 'client_secret_basic', ...metadata }),
  });
  if (!response.ok) throw new Error(`hydra refused the client: ${response.status} ${await response.text()}`);
  const created = (await response.json()) as { client_id: string };
  return { id: created.client_id, secret };
}

/** Polls `url` until it answers 200, as startChildServer does; fails with Hydra's last output after the timeout. */
async function waitReady(url: string, server: ChildServer): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (await fetch(url).then((response) => response.status === 200, () => false)) return;
    if (performance.now() > deadline) throw new Error(`hydra not ready at ${url} after ${READY_TIMEOUT_MS} ms:\n${server.output()}`);
    await sleep(READY_POLL_MS);
  }
}

/** `count` distinct ports free on 127.0.0.1 now (the OS picks them, all held at once; Hydra binds them a moment later). */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  await Promise.all(servers.map((server) => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  })));
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}
