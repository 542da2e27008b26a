import type { Context, Next } from 'koa';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Route labels stay low-cardinality: ids in paths are replaced by placeholders, unknown paths pooled. */
const ROUTES: [RegExp, string][] = [
  [/^\/interaction\/[^/]+\/(login|consent|abort)$/, '/interaction/:uid/$1'],
  [/^\/interaction\/[^/]+$/, '/interaction/:uid'],
  [/^\/auth\/[^/]+$/, '/auth/:uid'],
  [/^\/session\/end\/(confirm|success)$/, '/session/end/$1'],
  [/^\/(auth|token|me|jwks|session\/end|request|token\/introspection|token\/revocation|sts|sts\/credentials|healthz|readyz|metrics|\.well-known\/openid-configuration|static\/latchkey\.css)$/, '$&'],
];

function routeLabel(path: string): string {
  for (const [pattern, label] of ROUTES) if (pattern.test(path)) return path.replace(pattern, label);
  return 'other';
}

export type LoginOutcome = 'success' | 'invalid_credentials' | 'disabled' | 'unconfirmed' | 'reset_required' | 'throttled';

export interface Metrics {
  readonly registry: Registry;
  middleware(ctx: Context, next: Next): Promise<void>;
  login(outcome: LoginOutcome): void;
  credentialsIssued(role: string): void;
}

/** Prometheus metrics on a registry of this app's own (tests and replicas in one process stay apart). */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'latchkey_' });
  const requests = new Counter({ name: 'latchkey_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const duration = new Histogram({
    name: 'latchkey_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry],
  });
  const logins = new Counter({ name: 'latchkey_logins_total', help: 'Password sign-in attempts by outcome', labelNames: ['outcome'], registers: [registry] });
  const credentials = new Counter({ name: 'latchkey_credentials_issued_total', help: 'Storage credentials issued by role', labelNames: ['role'], registers: [registry] });
  return {
    registry,
    async middleware(ctx, next) {
      const end = duration.startTimer();
      try {
        await next();
      } finally {
        const route = routeLabel(ctx.path);
        // ctx.status reflects the raw response also when oidc-provider answered (ctx.respond = false).
        requests.inc({ method: ctx.method, route, status: String(ctx.res.statusCode || ctx.status) });
        end({ method: ctx.method, route });
      }
    },
    login: (outcome) => logins.inc({ outcome }),
    credentialsIssued: (role) => credentials.inc({ role }),
  };
}
