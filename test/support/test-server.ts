import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import type { Database } from '../../src/db/database.js';
import type { Clock } from '../../src/lib/clock.js';
import type { UpstreamTransport } from '../../src/federation/provider-types.js';
import { createLogger } from '../../src/lib/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';

export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789abcdef';

/** A free loopback port (the OS picks it; closed again before use). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Captured log lines, so tests can assert that secrets never reach the log. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

export interface TestServer extends RunningServer {
  issuer: string;
  config: Config;
  logs: LogCapture;
}

/**
 * Starts a real Latchkey on 127.0.0.1 with a free port. `issuer` defaults to the server's own URL; a second
 * replica passes the first one's issuer (and the same database) to prove that state lives in Postgres.
 */
export async function startTestServer(options: { env: Record<string, string>; issuer?: string; db?: Database; extraEnv?: Record<string, string>; clock?: Clock; upstreamTransport?: UpstreamTransport }): Promise<TestServer> {
  const port = await freePort();
  const issuer = options.issuer ?? `http://127.0.0.1:${port}`;
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    LATCHKEY_ISSUER: issuer,
    LATCHKEY_SECRET: TEST_SECRET,
    LOG_LEVEL: 'info',
    ...options.env,
    ...options.extraEnv,
  });
  const logs = new LogCapture();
  const running = await startServer(config, createLogger(config.logLevel, logs), { ...(options.db ? { db: options.db } : {}), ...(options.clock ? { clock: options.clock } : {}), ...(options.upstreamTransport ? { upstreamTransport: options.upstreamTransport } : {}) });
  return Object.assign(running, { issuer, config, logs });
}
