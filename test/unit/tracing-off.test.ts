import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tracingRequested } from '../../src/tracing/tracing.js';
import { ROOT } from '../support/processes.js';
import { freePort, TEST_SECRET } from '../support/test-server.js';

/**
 * Loaded with `node --import` into the server's process: Node's module hooks (run in the process, for
 * `import` and `require` alike) append every module URL the process resolves to the file MODULE_LOG names.
 */
const RECORDER = `
import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    appendFileSync(process.env.MODULE_LOG, resolved.url + '\\n');
    return resolved;
  },
});
`;

describe('tracing is optional', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lk-modules-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is asked for by an OTLP endpoint (for all signals or traces), unless the SDK is disabled', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBe(false);
  });

  it('loads no OpenTelemetry SDK, instrumentation or import hook in a server started without an OTLP endpoint, up to serving a request', async () => {
    const log = join(dir, 'modules.txt');
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(RECORDER)}`, join(ROOT, 'dist', 'src', 'main.js')], {
      env: {
        PATH: process.env.PATH ?? '', MODULE_LOG: log, PORT: String(port), HOST: '127.0.0.1', LATCHKEY_ISSUER: `http://127.0.0.1:${port}`,
        LATCHKEY_SECRET: TEST_SECRET, LATCHKEY_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      for (const deadline = Date.now() + 100_000; ; await new Promise((r) => setTimeout(r, 200))) {
        if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${output}`);
        if (Date.now() > deadline) throw new Error(`server did not become ready:\n${output}`);
        const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false);
        if (ready) break;
      }
      expect((await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    const modules = readFileSync(log, 'utf8').split('\n');
    // The recorder saw the server's own graph (so an empty list cannot pass), and nothing of the tracer: no
    // SDK, exporter, instrumentation or import hook. The API package alone is allowed: prom-client requires
    // it for exemplars, and without a registered SDK it is a no-op.
    expect(modules).toEqual(expect.arrayContaining([expect.stringMatching(/\/node_modules\/koa\//), expect.stringMatching(/\/node_modules\/pg\//), expect.stringMatching(/\/dist\/src\/server\.js$/)]));
    expect(modules.filter((url) => /@opentelemetry\/(?!api\/)|import-in-the-middle|require-in-the-middle|\/dist\/src\/tracing\/otel-sdk\.js/.test(url))).toEqual([]);
  }, 120_000);
});
