import { describe, expect, it } from 'vitest';
import { createMetrics, type JobStatus } from '../../src/http/metrics.js';

const JOBS: JobStatus[] = [
  { name: 'oidc-expiry', intervalSeconds: 3600, lastSucceededAt: new Date('2030-01-02T03:04:05Z'), lagSeconds: 12 },
  { name: 'revocations', intervalSeconds: 10, lastSucceededAt: null, lagSeconds: 40 },
];

describe('metrics read at scrape time', () => {
  it('reports the job runner\'s status set after start-up: lag per job, last success only for jobs that succeeded, one read per scrape', async () => {
    const metrics = createMetrics();
    let reads = 0;
    metrics.observeJobs(() => {
      reads += 1;
      return Promise.resolve(JOBS);
    });
    const text = await metrics.registry.metrics();
    expect(text).toContain('latchkey_job_lag_seconds{job="oidc-expiry"} 12');
    expect(text).toContain('latchkey_job_lag_seconds{job="revocations"} 40');
    expect(text).toContain(`latchkey_job_last_success_timestamp_seconds{job="oidc-expiry"} ${Date.parse('2030-01-02T03:04:05Z') / 1000}`);
    expect(text).not.toContain('latchkey_job_last_success_timestamp_seconds{job="revocations"}');
    expect(reads).toBe(1);
  });

  it('answers the scrape without job samples when the status cannot be read, and drops jobs that are gone', async () => {
    let fail = false;
    const metrics = createMetrics({ jobs: () => (fail ? Promise.reject(new Error('database down')) : Promise.resolve(JOBS)) });
    expect(await metrics.registry.metrics()).toContain('latchkey_job_lag_seconds{job="revocations"} 40');
    fail = true;
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE latchkey_job_lag_seconds gauge');
    expect(text).not.toContain('latchkey_job_lag_seconds{');
    expect(text).toContain('latchkey_http_requests_total');
  });

  it('reports the pool\'s counts as they are at the scrape', async () => {
    let stats = { total: 3, idle: 2, waiting: 0 };
    const metrics = createMetrics({ pool: () => stats });
    expect(await metrics.registry.metrics()).toContain('latchkey_db_pool_connections{state="idle"} 2');
    stats = { total: 10, idle: 0, waiting: 4 };
    const text = await metrics.registry.metrics();
    expect(text).toContain('latchkey_db_pool_connections{state="total"} 10');
    expect(text).toContain('latchkey_db_pool_connections{state="waiting"} 4');
  });
});
