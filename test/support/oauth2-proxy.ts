import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface OAuth2Proxy {
  url: string;
  /** What the proxy wrote, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Where `scripts/ensure-oauth2-proxy.sh` builds the pinned binary (shared with MinIO's tools). */
function binary(): string {
  return join(process.env.LATCHKEY_TOOLS_DIR ?? join(homedir(), '.cache', 'latchkey-tools'), 'bin', 'oauth2-proxy');
}

/**
 * Starts the real oauth2-proxy on `port` (127.0.0.1) with its documented OIDC flags and `args` added,
 * and resolves once its /ping answers. A missing binary fails the test run, never a skip.
 */
export async function startOAuth2Proxy(options: { port: number; issuer: string; clientId: string; clientSecret: string; upstream: string; args?: readonly string[] }): Promise<OAuth2Proxy> {
  const bin = binary();
  if (!existsSync(bin)) throw new Error(`oauth2-proxy not found at ${bin}; run scripts/ensure-oauth2-proxy.sh`);
  const url = `http://127.0.0.1:${options.port}`;
  const args = [
    '--provider=oidc',
    `--oidc-issuer-url=${options.issuer}`,
    `--client-id=${options.clientId}`,
    `--client-secret=${options.clientSecret}`,
    // Latchkey requires PKCE from every client (RFC 9700 §2.1.1).
    '--code-challenge-method=S256',
    `--redirect-url=${url}/oauth2/callback`,
    `--upstream=${options.upstream}`,
    `--http-address=127.0.0.1:${options.port}`,
    '--email-domain=*',
    // 32 bytes: an AES-256 key for the session cookie.
    `--cookie-secret=${randomBytes(16).toString('hex')}`,
    '--cookie-secure=false',
    '--skip-provider-button',
    ...(options.args ?? []),
  ];
  let output = '';
  const child: ChildProcess = spawn(bin, args, { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`oauth2-proxy exited (${child.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${url}/ping`)).status === 200) break;
    } catch { /* starting */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`oauth2-proxy did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await new Promise((resolve) => { if (child.exitCode !== null) resolve(null); else child.once('exit', resolve); });
    },
  };
}
