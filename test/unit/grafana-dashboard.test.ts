import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../../src/http/metrics.js';
import { ROOT } from '../support/processes.js';

interface Panel { title?: string; type: string; targets?: { expr: string }[]; panels?: Panel[] }
interface Dashboard { panels: Panel[]; templating: { list: { name: string; query?: unknown }[] } }

const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/latchkey-dashboard.json'), 'utf8')) as Dashboard;

/** PromQL words that look like names but are not metrics. */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/**
 * The metric names an expression selects: string literals, label matchers, range selectors and grouping
 * label lists removed, then every remaining identifier that is not a function call or a keyword.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  return [...bare.matchAll(/(?<![\w$:.])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)].map((m) => m[1]!).filter((name) => !KEYWORDS.has(name.toLowerCase()));
}

const panels = (list: Panel[]): Panel[] => list.flatMap((panel) => [panel, ...panels(panel.panels ?? [])]);
const expressions = panels(dashboard.panels).flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title ?? '', expr: target.expr })));
const variableQueries = dashboard.templating.list.map((variable) => JSON.stringify(variable.query ?? ''));

/** Every series name the registry exposes, histograms and summaries with their suffixed series. */
async function exposedNames(): Promise<Set<string>> {
  const metrics = createMetrics({ pool: () => ({ total: 1, idle: 1, waiting: 0 }), jobs: () => Promise.resolve([]) });
  const names = new Set<string>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
    if (String(metric.type) === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${metric.name}${suffix}`);
  }
  return names;
}

describe('the Grafana dashboard (deploy/grafana/latchkey-dashboard.json)', () => {
  it('reads metric names out of PromQL: selectors, not functions, labels, keywords or Grafana variables', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, route) (rate(a_bucket{instance=~"$instance",x="y z"}[$__rate_interval])))')).toEqual(['a_bucket']);
    expect(metricNames('sum by (route) (rate(a_total{s=~"5.."}[5m])) / ignoring(route) group_left sum(rate(b_total[5m]))')).toEqual(['a_total', 'b_total']);
    expect(metricNames('time() - max by (job) (c_seconds)')).toEqual(['c_seconds']);
  });

  it('queries only series the registry exposes, in every panel and variable', async () => {
    const exposed = await exposedNames();
    expect(expressions.length).toBeGreaterThan(10);
    const unknown = expressions.flatMap(({ panel, expr }) => metricNames(expr).filter((name) => !exposed.has(name)).map((name) => `${panel}: ${name}`));
    for (const query of variableQueries) {
      for (const [, name] of query.matchAll(/label_values\((\w+)/g)) if (!exposed.has(name!)) unknown.push(`variable: ${name}`);
    }
    expect(unknown).toEqual([]);
  });

  it('covers every series Latchkey defines: traffic, latency, errors, sign-ins, tokens, lockouts, credentials, the pool and the jobs', () => {
    const used = new Set(expressions.flatMap(({ expr }) => metricNames(expr)));
    for (const name of ['latchkey_http_requests_total', 'latchkey_http_request_duration_seconds_bucket', 'latchkey_cognito_requests_total', 'latchkey_sign_ins_total', 'latchkey_tokens_issued_total', 'latchkey_lockouts_total', 'latchkey_credentials_issued_total', 'latchkey_db_pool_connections', 'latchkey_job_lag_seconds', 'latchkey_job_last_success_timestamp_seconds']) {
      expect(used, name).toContain(name);
    }
    expect(expressions.map((e) => e.expr).join('\n')).toMatch(/histogram_quantile\(0\.5,[\s\S]*histogram_quantile\(0\.99,/);
  });

  it('asks for its Prometheus data source when imported, instead of naming one', () => {
    expect(dashboard.templating.list.find((variable) => variable.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(readFileSync(join(ROOT, 'deploy/grafana/latchkey-dashboard.json'), 'utf8')).not.toMatch(/"uid": "(?!\$\{datasource\}|latchkey-overview)/);
  });
});

describe('the example scrape configuration (deploy/prometheus.yml)', () => {
  it('scrapes /metrics on the metrics listener port the compose stack opens', () => {
    const config = parse(readFileSync(join(ROOT, 'deploy/prometheus.yml'), 'utf8')) as { scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[] };
    const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    const port = /LATCHKEY_METRICS_PORT: "(\d+)"/.exec(compose)?.[1];
    expect(config.scrape_configs).toEqual([expect.objectContaining({ job_name: 'latchkey', metrics_path: '/metrics', static_configs: [{ targets: [`latchkey:${port}`] }] })]);
  });
});
