import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './test-server.js';

const run = promisify(execFile);

export const BUCKETS = ['free', 'premium', 'home'] as const;

/** Everything any role may grant, plus the explicit admin denial (CVE-2025-62506 defence in depth). */
export const ENVELOPE_POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['s3:*'], Resource: BUCKETS.flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]) },
    { Effect: 'Deny', Action: ['admin:*'] },
  ],
};

/**
 * A counting HTTP proxy in front of MinIO: tests assert that MinIO is never called for an invalid
 * token, and stop it to simulate MinIO being down.
 */
export class CountingProxy {
  count = 0;
  readonly port: number;
  private readonly target: number;
  private server: Server | undefined;
  constructor(port: number, target: number) {
    this.port = port;
    this.target = target;
  }
  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.count += 1;
      const upstream = request({ host: '127.0.0.1', port: this.target, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => { res.statusCode = 502; res.end(); });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

export interface MinioHarness {
  /** MinIO itself (for S3 clients in tests). */
  endpoint: string;
  /** The counting proxy (what Latchkey's S3_ENDPOINT points at). */
  proxyEndpoint: string;
  proxy: CountingProxy;
  stsAccessKey: string;
  stsSecretKey: string;
  /** The environment that points Latchkey's identity pool at this MinIO (through the counting proxy) as its broker user. */
  latchkeyEnv: { S3_ENDPOINT: string; S3_STS_ACCESS_KEY: string; S3_STS_SECRET_KEY: string };
  /**
   * An S3 client on MinIO itself: as root, or with the given (temporary) credentials. One attempt, so that a
   * refusal is the answer rather than a retry.
   */
  s3Client(credentials?: S3ClientConfig['credentials']): S3Client;
  /** Runs mc with alias `t` bound to root, or to the given credentials as alias `x`. */
  mc(args: string[], as?: { accessKeyId: string; secretAccessKey: string; sessionToken: string }): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

export function toolsBin(): string {
  return join(process.env.LATCHKEY_TOOLS_DIR ?? join(homedir(), '.cache', 'latchkey-tools'), 'bin');
}

/**
 * Starts the pinned MinIO on a free loopback port with a temporary directory, then provisions buckets,
 * the envelope policy and the broker user with mc. Missing binaries fail the test run (never a skip):
 * `scripts/ensure-minio.sh` builds them.
 */
export async function startMinio(): Promise<MinioHarness> {
  const bin = toolsBin();
  for (const tool of ['minio', 'mc']) {
    if (!existsSync(join(bin, tool))) throw new Error(`${tool} not found in ${bin}; run scripts/ensure-minio.sh`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'lk-minio-'));
  const port = await freePort();
  const consolePort = await freePort();
  const root = { user: 'latchkey-root', password: 'root-password-for-tests' };
  let output = '';
  const child: ChildProcess = spawn(join(bin, 'minio'), ['server', '--quiet', '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, join(dir, 'data')], {
    env: { PATH: process.env.PATH ?? '', HOME: dir, MINIO_ROOT_USER: root.user, MINIO_ROOT_PASSWORD: root.password, MINIO_BROWSER: 'off', MINIO_UPDATE: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`minio exited (${child.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${endpoint}/minio/health/cluster`)).status === 200) break;
    } catch { /* starting */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`minio did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  const mcConfig = join(dir, 'mc');
  const mc: MinioHarness['mc'] = async (args, as) => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: dir, MC_CONFIG_DIR: mcConfig, MC_HOST_t: `http://${root.user}:${root.password}@127.0.0.1:${port}` };
    if (as) env.MC_HOST_x = `http://${as.accessKeyId}:${as.secretAccessKey}:${as.sessionToken}@127.0.0.1:${port}`;
    try {
      const { stdout, stderr } = await run(join(bin, 'mc'), ['--no-color', '--disable-pager', ...args], { env, timeout: 30_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };
  const must = async (args: string[]) => {
    const result = await mc(args);
    if (result.code !== 0) throw new Error(`mc ${args.join(' ')} failed: ${result.stderr}${result.stdout}`);
  };
  const stsAccessKey = 'latchkey-sts';
  const stsSecretKey = 'sts-secret-for-tests-0123456789';
  const policyFile = join(dir, 'envelope.json');
  writeFileSync(policyFile, JSON.stringify(ENVELOPE_POLICY));
  for (const bucket of BUCKETS) await must(['mb', `t/${bucket}`]);
  await must(['admin', 'policy', 'create', 't', 'latchkey-envelope', policyFile]);
  await must(['admin', 'user', 'add', 't', stsAccessKey, stsSecretKey]);
  await must(['admin', 'policy', 'attach', 't', 'latchkey-envelope', '--user', stsAccessKey]);

  const proxy = new CountingProxy(await freePort(), port);
  await proxy.start();
  return {
    endpoint,
    proxyEndpoint: `http://127.0.0.1:${proxy.port}`,
    proxy,
    stsAccessKey,
    stsSecretKey,
    latchkeyEnv: { S3_ENDPOINT: `http://127.0.0.1:${proxy.port}`, S3_STS_ACCESS_KEY: stsAccessKey, S3_STS_SECRET_KEY: stsSecretKey },
    s3Client: (credentials = { accessKeyId: root.user, secretAccessKey: root.password }) =>
      new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1, credentials }),
    mc,
    async stop() {
      await proxy.stop();
      child.kill('SIGTERM');
      await new Promise((resolve) => { if (child.exitCode !== null) resolve(null); else child.once('exit', resolve); });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
