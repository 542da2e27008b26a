import type { Context, Next } from 'koa';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolStats } from '../db/database.js';
import { operationLabel, routeLabel } from './route-label.js';

/**
 * How a sign-in step was attempted: the password form, passwordless passkey, an upstream provider, or the
 * second-factor step that follows a password (authenticator code, recovery code or passkey).
 */
export type SignInMethod = 'password' | 'passkey' | 'federated' | 'mfa';

/**
 * How a step ended. `success` is counted once per finished sign-in, by the step that finished it; a password
 * step that hands over to the second factor counts `mfa_required` (and the MFA step then counts its own), so
 * `sum(result="success")` is the number of sign-ins. `refused` and `unavailable` are a federated sign-in
 * refused (by the upstream, a failed check or the linking policy) or failed because the upstream could not
 * be reached.
 */
export type SignInResult = 'success' | 'mfa_required' | 'invalid_credentials' | 'disabled' | 'unconfirmed' | 'reset_required' | 'throttled' | 'refused' | 'unavailable';

/** Which limit of the sign-in throttle locked attempts out (see login-throttle.ts). */
export type LockoutScope = 'account_address' | 'account' | 'address';

/** One periodic job as the job runner reports it. */
export interface JobStatus {
  name: string;
  intervalSeconds: number;
  /** When the job last finished without error; null if never. */
  lastSucceededAt: Date | null;
  /** How far past its due time the job is; null when it cannot be told (never ran). */
  lagSeconds: number | null;
}

export interface MetricsSources {
  /** The database pool's connection counts, read at each scrape. */
  pool?: () => PoolStats | null;
  /** The periodic jobs' status, read at each scrape (or set later with `observeJobs`). None: no job series. */
  jobs?: JobStatusSource;
}

export type JobStatusSource = () => Promise<readonly JobStatus[]>;

export interface Metrics {
  readonly registry: Registry;
  middleware(ctx: Context, next: Next): Promise<void>;
  signIn(method: SignInMethod, result: SignInResult): void;
  /** A token response, by the grant type that produced it (`grant.success` of the provider). */
  tokensIssued(grantType: string): void;
  lockout(scope: LockoutScope): void;
  credentialsIssued(role: string): void;
  /** Feeds the job series from the job runner, which starts after the app is built. */
  observeJobs(source: JobStatusSource): void;
}

const SIGN_IN_METHODS: readonly SignInMethod[] = ['password', 'passkey', 'federated', 'mfa'];
const LOCKOUT_SCOPES: readonly LockoutScope[] = ['account_address', 'account', 'address'];

/**
 * Prometheus metrics on a registry of this app's own (tests and replicas in one process stay apart). Names
 * are listed in the README; a dashboard and alerts depend on them, so they do not change lightly.
 */
export function createMetrics(sources: MetricsSources = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'latchkey_' });
  const requests = new Counter({ name: 'latchkey_http_requests_total', help: 'HTTP requests by method, route pattern and status', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const duration = new Histogram({
    name: 'latchkey_http_request_duration_seconds', help: 'HTTP request duration by method and route pattern', labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry],
  });
  const cognito = new Counter({ name: 'latchkey_cognito_requests_total', help: 'Cognito API requests (POST / with X-Amz-Target) by operation and status', labelNames: ['operation', 'status'], registers: [registry] });
  const signIns = new Counter({ name: 'latchkey_sign_ins_total', help: 'Sign-in steps by method and result; sum(result="success") counts finished sign-ins', labelNames: ['method', 'result'], registers: [registry] });
  const tokens = new Counter({ name: 'latchkey_tokens_issued_total', help: 'Token endpoint responses that issued tokens, by grant type', labelNames: ['grant_type'], registers: [registry] });
  const lockouts = new Counter({ name: 'latchkey_lockouts_total', help: 'Sign-in throttle lockouts (a limit reached within its window) by scope', labelNames: ['scope'], registers: [registry] });
  const credentials = new Counter({ name: 'latchkey_credentials_issued_total', help: 'Storage credentials issued by role', labelNames: ['role'], registers: [registry] });
  // Zero from the start, so rate() and alerts see the series before the first event.
  for (const method of SIGN_IN_METHODS) signIns.inc({ method, result: 'success' }, 0);
  for (const scope of LOCKOUT_SCOPES) lockouts.inc({ scope }, 0);

  new Gauge({
    name: 'latchkey_db_pool_connections', help: 'Database pool connections: total open, idle, and requests waiting for one', labelNames: ['state'], registers: [registry],
    collect() {
      const stats = sources.pool?.();
      if (!stats) return;
      this.set({ state: 'total' }, stats.total);
      this.set({ state: 'idle' }, stats.idle);
      this.set({ state: 'waiting' }, stats.waiting);
    },
  });
  // Both job gauges are collected at once (prom-client gathers metrics in parallel): they share one read.
  let jobSource = sources.jobs;
  let reading: Promise<readonly JobStatus[] | null> | null = null;
  const readJobs = (): Promise<readonly JobStatus[] | null> => {
    if (!jobSource) return Promise.resolve(null);
    // A failed read leaves the series missing rather than failing the scrape: absent() alerts on them.
    reading ??= jobSource().catch(() => null).finally(() => { reading = null; });
    return reading;
  };
  const jobGauge = (name: string, help: string, value: (job: JobStatus) => number | null) => new Gauge({
    name, help, labelNames: ['job'], registers: [registry],
    async collect() {
      const statuses = await readJobs();
      this.reset();
      for (const job of statuses ?? []) {
        const v = value(job);
        if (v !== null) this.set({ job: job.name }, v);
      }
    },
  });
  jobGauge('latchkey_job_lag_seconds', 'How far a periodic job is past its due time', (job) => job.lagSeconds);
  jobGauge('latchkey_job_last_success_timestamp_seconds', 'When a periodic job last succeeded (Unix time)', (job) => job.lastSucceededAt ? job.lastSucceededAt.getTime() / 1000 : null);

  return {
    registry,
    async middleware(ctx, next) {
      const end = duration.startTimer();
      try {
        await next();
      } finally {
        const route = routeLabel(ctx);
        // ctx.res.statusCode is the raw response's, also when oidc-provider answered (ctx.respond = false).
        const status = String(ctx.res.statusCode || ctx.status);
        requests.inc({ method: ctx.method, route, status });
        end({ method: ctx.method, route });
        if (ctx.method === 'POST' && route === '/') cognito.inc({ operation: operationLabel(ctx), status });
      }
    },
    signIn: (method, result) => signIns.inc({ method, result }),
    tokensIssued: (grantType) => tokens.inc({ grant_type: grantType }),
    lockout: (scope) => lockouts.inc({ scope }),
    credentialsIssued: (role) => credentials.inc({ role }),
    observeJobs: (source) => { jobSource = source; },
  };
}
