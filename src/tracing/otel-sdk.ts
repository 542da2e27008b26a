import type { IncomingMessage } from 'node:http';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KoaInstrumentation, KoaLayerType } from '@opentelemetry/instrumentation-koa';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { packageVersion } from '../lib/package-version.js';
import type { Tracing } from './tracing.js';

/** Probes and scrapes: a span each every few seconds would bury the requests people look for. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * A query string with its values replaced: names tell what was asked, values carry authorization codes,
 * `state`, `login_hint` and the like, which must not reach a trace backend any more than the log.
 */
export function redactedQuery(url: string | undefined): string | undefined {
  const at = url?.indexOf('?') ?? -1;
  if (!url || at < 0) return undefined;
  return [...new URLSearchParams(url.slice(at + 1)).keys()].map((name) => `${encodeURIComponent(name)}=REDACTED`).join('&');
}

const pathOf = (request: IncomingMessage) => (request.url ?? '').split('?')[0]!;

/**
 * The OpenTelemetry SDK for Latchkey: spans for incoming HTTP requests (no headers, query values
 * redacted), the routes that served them (koa router layers, not every middleware) and the SQL they ran
 * (statement text only: parameters are never recorded, and queries outside a request are not traced),
 * exported in batches over OTLP/HTTP (JSON) to `OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, with OTLP headers from `OTEL_EXPORTER_OTLP_HEADERS`. The service is
 * `latchkey` unless `OTEL_SERVICE_NAME` names it. W3C trace context is read from and passed to callers.
 */
export function startOtelTracing(env: NodeJS.ProcessEnv): Tracing {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  const delay = Number(env.OTEL_BSP_SCHEDULE_DELAY);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME?.trim() || 'latchkey', 'service.version': packageVersion() }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter(), ...(Number.isFinite(delay) && delay > 0 ? { scheduledDelayMillis: delay } : {}) })],
  });
  trace.setGlobalTracerProvider(provider);
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // Outgoing requests are not traced: their URLs would carry upstream codes and tokens.
        disableOutgoingRequestInstrumentation: true,
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has(pathOf(request)),
        startIncomingSpanHook: (request) => {
          const query = redactedQuery(request.url);
          return query === undefined ? {} : { 'url.query': query };
        },
      }),
      new KoaInstrumentation({ ignoreLayersType: [KoaLayerType.MIDDLEWARE] }),
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
    ],
  });
  return {
    async shutdown() {
      unregister();
      await provider.shutdown();
    },
  };
}
