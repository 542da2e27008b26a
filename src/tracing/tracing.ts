import { register } from 'node:module';

/** A running tracer, as the process sees it: flushed and stopped at shutdown. */
export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * The modules whose imports the instrumentations wrap. Only these go through the import hook, so everything
 * else loads as it would without tracing.
 */
const INSTRUMENTED_MODULES = ['http', 'node:http', 'https', 'node:https', 'koa', 'pg', 'pg-pool'];

/**
 * Whether traces are asked for, by OpenTelemetry's own variables: an OTLP endpoint (for all signals or for
 * traces), unless `OTEL_SDK_DISABLED=true`.
 */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

let started: Promise<Tracing> | undefined;

/**
 * Starts OpenTelemetry tracing when `tracingRequested(env)`; otherwise does nothing and loads nothing of it
 * (the SDK is reached only through the dynamic import below). It must run before the server's modules are
 * imported: the import hook registered here wraps `http`, `koa` and `pg` as they load, which is why
 * `main.ts` imports the server only after it, and `latchkey serve` calls it before loading the CLI. Calling
 * it again returns the same tracer.
 */
export function startTracingIfRequested(env: NodeJS.ProcessEnv): Promise<Tracing | null> {
  if (!tracingRequested(env)) return Promise.resolve(null);
  started ??= (async () => {
    register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: INSTRUMENTED_MODULES } });
    const { startOtelTracing } = await import('./otel-sdk.js');
    return startOtelTracing(env);
  })();
  return started;
}
