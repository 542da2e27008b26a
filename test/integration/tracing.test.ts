import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { spawnServer } from '../support/processes.js';
import { freePort, TEST_SECRET } from '../support/test-server.js';

/** The parts of an OTLP/HTTP JSON export this test reads. */
interface OtlpExport {
  resourceSpans: {
    resource: { attributes: OtlpAttribute[] };
    scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[];
  }[];
}
interface OtlpAttribute { key: string; value: { stringValue?: string; intValue?: string | number } }
interface OtlpSpan { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes: OtlpAttribute[] }

interface ReceivedSpan extends OtlpSpan {
  scope: string;
  service: string | undefined;
  attribute(key: string): string | undefined;
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const STATE = 'state-value-0f9c2b7a41d3';

/**
 * OpenTelemetry traces from a real Latchkey process: with `OTEL_EXPORTER_OTLP_ENDPOINT` pointing at a small
 * OTLP/HTTP receiver on loopback, a request's server span arrives, continuing the caller's W3C trace, with
 * the route that served it, the SQL it ran as child spans, and query values redacted.
 */
describe(`OpenTelemetry traces over OTLP (${currentBackend()})`, () => {
  let database: TestDatabase;
  let receiver: Server;
  let child: ChildProcess;
  let exited: Promise<number | null>;
  let issuer: string;
  const exports: OtlpExport[] = [];
  const bodies: string[] = [];

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/v1/traces' && (req.headers['content-type'] ?? '').startsWith('application/json')) {
          bodies.push(body);
          exports.push(JSON.parse(body) as OtlpExport);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } else {
          res.writeHead(404).end();
        }
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    ({ child, exited } = await spawnServer({
      ...database.env, PORT: String(port), HOST: '127.0.0.1', LATCHKEY_ISSUER: issuer, LATCHKEY_SECRET: TEST_SECRET, LOG_LEVEL: 'warn',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`, OTEL_BSP_SCHEDULE_DELAY: '100',
    }, port, { readyWithinMs: 100_000 }));
  });
  afterAll(async () => {
    child?.kill('SIGTERM');
    await exited;
    await new Promise((resolve) => receiver?.close(resolve));
    await database?.drop();
  });

  function received(): ReceivedSpan[] {
    return exports.flatMap((e) => e.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({
      ...span,
      scope: ss.scope.name,
      service: rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue,
      attribute: (key: string) => {
        const value = span.attributes.find((a) => a.key === key)?.value;
        return value?.stringValue ?? (value?.intValue !== undefined ? String(value.intValue) : undefined);
      },
    })))));
  }

  async function spanFor(predicate: (span: ReceivedSpan) => boolean): Promise<ReceivedSpan> {
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      const span = received().find(predicate);
      if (span) return span;
    }
    throw new Error(`no such span among: ${received().map((s) => `${s.scope} ${s.name} ${s.attribute('url.path') ?? ''}`).join('; ')}`);
  }

  it('exports the server span of a request, as service latchkey, continuing the caller\'s trace', async () => {
    const response = await fetch(`${issuer}/.well-known/openid-configuration`, { headers: { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` } });
    expect(response.status).toBe(200);
    const span = await spanFor((s) => s.kind === 2 && s.attribute('url.path') === '/.well-known/openid-configuration');
    expect(span.traceId).toBe(TRACE_ID);
    expect(span.parentSpanId).toBe('00f067aa0ba902b7');
    expect(span.service).toBe('latchkey');
    expect(span.attribute('http.response.status_code')).toBe('200');
  });

  it('records the route that served a request and the SQL it ran as spans of its trace', async () => {
    const response = await fetch(`${issuer}/admin/v1/users/00000000-0000-4000-8000-000000000000`);
    expect(response.status).toBe(401);
    const token = await fetch(`${issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=nobody&client_secret=wrong' });
    expect(token.status).toBe(401);
    const server = await spanFor((s) => s.kind === 2 && s.attribute('url.path') === '/admin/v1/users/00000000-0000-4000-8000-000000000000');
    const route = await spanFor((s) => s.scope === '@opentelemetry/instrumentation-koa' && s.traceId === server.traceId);
    expect(route.attribute('http.route')).toBe('/admin/v1/users/:user');
    const tokenSpan = await spanFor((s) => s.kind === 2 && s.attribute('url.path') === '/token');
    const sql = await spanFor((s) => s.scope === '@opentelemetry/instrumentation-pg' && s.name.startsWith('pg.query') && s.traceId === tokenSpan.traceId);
    // The statement's text with its $n placeholders: parameter values are never recorded.
    expect(sql.attribute('db.statement') ?? sql.attribute('db.query.text')).toMatch(/\$1/);
    expect(JSON.stringify(sql.attributes)).not.toContain('nobody');
  });

  it('keeps query values out of spans: names only', async () => {
    await fetch(`${issuer}/auth?client_id=nobody&response_type=code&state=${STATE}`, { redirect: 'manual' });
    const span = await spanFor((s) => s.kind === 2 && s.attribute('url.path') === '/auth');
    expect(span.attribute('url.query')).toBe('client_id=REDACTED&response_type=REDACTED&state=REDACTED');
    expect(bodies.join('\n')).not.toContain(STATE);
    expect(bodies.join('\n')).not.toContain('client_secret=wrong');
  });
});
