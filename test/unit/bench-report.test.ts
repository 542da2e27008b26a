import { describe, expect, it } from 'vitest';
import { summarize } from '../../bench/argon2-ceiling.js';
import type { LoadResult } from '../../bench/load.js';
import { medianRun, type Measurement } from '../../bench/measurement.js';
import { CHART } from '../../bench/report-chart.js';
import { renderMarkdown, renderSvg, reportStamp, type ReportContent } from '../../bench/report.js';
import { CREDENTIAL_EXCHANGE, CREDENTIAL_EXCHANGE_LOADED, DIRECT_ASSUME_ROLE } from '../../bench/scenarios/credential-exchange-rows.js';
import { checkTargets } from '../../bench/target-checks.js';

function run(rps: number, p50 = 2, p99 = 9): LoadResult {
  return { requests: rps * 5, errors: 0, rps, p50, p95: p99 - 1, p99 };
}

function throughput(scenario: string, target: string, rates: number[], note?: string): Measurement {
  const runs = rates.map((rps) => run(rps));
  return { scenario, target, median: medianRun(runs), runs, ...(note ? { note } : {}) };
}

function content(measurements: Measurement[]): ReportContent {
  return {
    machine: { cpus: 2, cpuModel: 'Test CPU @ 3.0GHz', loadAverage: [0.5, 0.25, 0.125], node: 'v24.21.0', platform: 'linux 6.8.0 x64', totalMemoryMiB: 7936, postgres: 'PostgreSQL 17.2 on x86_64-pc-linux-gnu' },
    settings: { quick: false, runs: 3, seconds: 5, concurrency: 16, warmupMs: 2000, firstWarmupMs: 8000 },
    measurements,
    targets: [
      { measure: 'client_credentials, Latchkey / bare', target: '≥ 0.5', measured: '0.62', met: true },
      { measure: 'refresh, Latchkey / Hydra', target: '≥ 1', measured: '0.8', met: false },
      { measure: 'userinfo p99', target: '≤ 20 ms', measured: 'not measured', met: null },
      { measure: 'idle RSS', target: '< 100 MiB', measured: '88 MiB', met: true },
    ],
    startedAt: new Date('2026-12-02T04:41:30Z'),
  };
}

const fixture = content([
  throughput('client-credentials', 'latchkey (Postgres)', [1000, 1200, 1100], 'Postgres round trips: 1'),
  throughput('client-credentials', 'bare oidc-provider (memory)', [2400, 2000, 2200]),
  { scenario: 'client-credentials', target: 'hydra (matched crypto)', skipped: 'hydra did not build' },
  { scenario: 'startup', target: 'latchkey (Postgres)', value: 850, unit: 'ms' },
  { scenario: 'startup', target: 'hydra (matched crypto)', skipped: 'hydra did not build' },
]);

describe('benchmark report: Markdown', () => {
  const markdown = renderMarkdown(fixture, '2026-12-02-0441.svg');

  it('states the machine and the settings', () => {
    expect(markdown).toMatch(/^# Latchkey benchmark, 2026-12-02 04:41 UTC$/m);
    expect(markdown).toContain('2 cores, Test CPU @ 3.0GHz');
    expect(markdown).toContain('Load average at start: 0.50 / 0.25 / 0.13');
    expect(markdown).toContain('Node v24.21.0; PostgreSQL 17.2');
    expect(markdown).toContain('Full run: 3 runs per figure (the median shown), 5 s per run, 16 concurrent clients');
  });

  it('lists the targets with met, missed and unknown', () => {
    expect(markdown).toContain('| measure | target | measured | met |');
    expect(markdown).toContain('| client_credentials, Latchkey / bare | ≥ 0.5 | 0.62 | ✅ |');
    expect(markdown).toContain('| refresh, Latchkey / Hydra | ≥ 1 | 0.8 | ❌ |');
    expect(markdown).toContain('| userinfo p99 | ≤ 20 ms | not measured | — |');
    expect(markdown).toContain('| idle RSS | < 100 MiB | 88 MiB | ✅ |');
  });

  it('gives each scenario a table with the median, its latencies, the spread over runs and the note', () => {
    expect(markdown).toContain('## client-credentials');
    expect(markdown).toContain('| target | req/s | p50 ms | p99 ms | spread (req/s) | note |');
    expect(markdown).toContain('| latchkey (Postgres) | 1,100 | 2.0 | 9.0 | 1,000–1,200 | Postgres round trips: 1 |');
    expect(markdown).toContain('| bare oidc-provider (memory) | 2,200 | 2.0 | 9.0 | 2,000–2,400 |  |');
    expect(markdown).toContain('| hydra (matched crypto) | not measured: hydra did not build | — | — | — |  |');
  });

  it('shows single values with their unit, and skipped ones with the reason', () => {
    expect(markdown).toContain('## startup');
    expect(markdown).toContain('| target | value | note |');
    expect(markdown).toContain('| latchkey (Postgres) | 850 ms |  |');
    expect(markdown).toContain('| hydra (matched crypto) | not measured: hydra did not build |  |');
  });

  it('embeds the chart by a relative link', () => {
    expect(markdown).toContain('![Requests per second by scenario and target](2026-12-02-0441.svg)');
  });

  it('keeps a target name from breaking the table or opening HTML, and counts failed requests', () => {
    const odd: Measurement = { scenario: 'x', target: 'a<b & "c" | d', median: { ...run(50), errors: 3 }, runs: [run(50)] };
    const text = renderMarkdown(content([odd]), 'c.svg');
    expect(text).toContain('| a\\<b & "c" \\| d | 50.0 | 2.0 | 9.0 | — | 3 errors in 250 requests |');
  });

  it('names the workers of a row measured at another concurrency than the run\'s, before its note', () => {
    const rows: Measurement[] = [
      { ...throughput('credential-exchange', 'one', [80], '8 users in turn'), concurrency: 1 },
      { ...throughput('credential-exchange', 'eight', [90]), concurrency: 8 },
      { ...throughput('credential-exchange', 'run\'s', [95], 'loaded'), concurrency: 16 },
    ];
    const text = renderMarkdown(content(rows), 'c.svg');
    expect(text).toContain('| one | 80.0 | 2.0 | 9.0 | — | 1 concurrent client; 8 users in turn |');
    expect(text).toContain('| eight | 90.0 | 2.0 | 9.0 | — | 8 concurrent clients |');
    expect(text).toContain('| run\'s | 95.0 | 2.0 | 9.0 | — | loaded |');
  });

  it('names the files by the UTC minute the run started', () => {
    expect(reportStamp(new Date('2026-12-02T04:41:59Z'))).toBe('2026-12-02-0441');
  });
});

describe('benchmark report: chart', () => {
  const widths = (svg: string) => [...svg.matchAll(/<rect class="bar"[^>]* width="([0-9.]+)"/g)].map((match) => Number(match[1]));

  it('draws one bar per measured target, the fastest at full width and half the rate at half the width', () => {
    const svg = renderSvg(content([
      throughput('userinfo', 'latchkey (Postgres)', [1000]),
      throughput('userinfo', 'bare oidc-provider (memory)', [2000]),
      throughput('userinfo', 'hydra (matched crypto)', [500]),
    ]));
    expect(widths(svg)).toEqual([CHART.barMaxWidth / 2, CHART.barMaxWidth, CHART.barMaxWidth / 4]);
    expect(svg).toContain('>1,000 req/s</text>');
    expect(svg).toContain('>2,000 req/s</text>');
  });

  it('scales each scenario to its own fastest target, and leaves single-value scenarios out', () => {
    const svg = renderSvg(fixture);
    expect(widths(svg)).toEqual([CHART.barMaxWidth / 2, CHART.barMaxWidth]);
    expect(svg).toContain('>client-credentials</text>');
    expect(svg).not.toContain('>startup</text>');
    expect(svg).toMatch(/>hydra \(matched crypto\)<title>[^<]*<\/title><\/text>\s*<text[^>]*>not measured<\/text>/);
  });

  it('is a readable SVG with a title and a height that grows with the rows', () => {
    const small = renderSvg(content([throughput('a', 't1', [10])]));
    const large = renderSvg(content([throughput('a', 't1', [10]), throughput('a', 't2', [5]), throughput('b', 't1', [1])]));
    expect(small).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="900" height="\d+"/);
    expect(small).toContain('font-family="sans-serif"');
    expect(small).toContain('<title>Latchkey benchmark, 2026-12-02 04:41 UTC: requests per second</title>');
    const fontSizes = [...large.matchAll(/font-size="(\d+)"/g)].map((match) => Number(match[1]));
    expect(Math.min(...fontSizes)).toBeGreaterThanOrEqual(12);
    const height = (svg: string) => Number(/height="(\d+)"/.exec(svg)![1]);
    expect(height(large)).toBeGreaterThan(height(small));
  });

  it('escapes every text it puts in XML', () => {
    const svg = renderSvg(content([throughput('s&<x>', 'a<b & "c"', [100])]));
    expect(svg).toContain('a&lt;b &amp; &quot;c&quot;');
    expect(svg).toContain('s&amp;&lt;x&gt;');
    expect(svg).not.toContain('a<b');
    expect(svg).not.toContain('"c"');
  });
});

describe('medianRun', () => {
  it('takes the median run by requests per second, the upper one of an even count', () => {
    expect(medianRun([run(30), run(10), run(20)]).rps).toBe(20);
    expect(medianRun([run(40), run(10), run(30), run(20)]).rps).toBe(30);
    expect(medianRun([run(7)]).rps).toBe(7);
    expect(() => medianRun([])).toThrow(/no runs/);
  });

  it('returns the whole run, latencies included', () => {
    const middle = run(20, 3, 11);
    expect(medianRun([run(10, 1, 2), middle, run(30, 5, 6)])).toBe(middle);
  });
});

describe('argon2id ceiling: the threads summed', () => {
  it('adds the threads\' rates, pools their latencies and counts failed verifications as errors', () => {
    const result = summarize([
      { verifications: 10, failures: 0, elapsedMs: 2000, latencies: [100, 100, 100, 100, 100, 100, 100, 100, 100, 190] },
      { verifications: 10, failures: 2, elapsedMs: 1000, latencies: [50, 50, 50, 50, 50, 50, 50, 50, 50, 60] },
    ]);
    expect(result).toMatchObject({ requests: 20, errors: 2, rps: 5 + 8, p50: 100, p99: 190 });
  });
});

describe('target checks: the credential exchange', () => {
  const at = (scenario: string, target: string, concurrency: number, p50: number): Measurement => ({ scenario, target, concurrency, median: run(100, p50), runs: [run(100, p50)] });
  const check = (measurements: Measurement[]) => checkTargets(measurements).find((c) => c.measure.startsWith('credential exchange'))!;

  it('compares the p50s at one connection, whatever the loaded rows say', () => {
    const result = check([
      at(CREDENTIAL_EXCHANGE, 'latchkey (Postgres)', 1, 4),
      at(CREDENTIAL_EXCHANGE, DIRECT_ASSUME_ROLE, 1, 3.3),
      at(CREDENTIAL_EXCHANGE_LOADED, 'latchkey (Postgres)', 16, 80),
      at(CREDENTIAL_EXCHANGE_LOADED, DIRECT_ASSUME_ROLE, 16, 38),
    ]);
    expect(result).toEqual({ measure: 'credential exchange p50 at 1 connection', target: '≤ 1.25× direct AssumeRole', measured: '1.21 (4.0 / 3.3 ms)', met: true });
    expect(check([at(CREDENTIAL_EXCHANGE, 'latchkey (Postgres)', 1, 12.2), at(CREDENTIAL_EXCHANGE, DIRECT_ASSUME_ROLE, 1, 3.3)]).met).toBe(false);
  });

  it('says "not measured" rather than read a p50 taken under load', () => {
    const result = check([at(CREDENTIAL_EXCHANGE, 'latchkey (Postgres)', 16, 4), at(CREDENTIAL_EXCHANGE, DIRECT_ASSUME_ROLE, 16, 3.3)]);
    expect(result).toMatchObject({ measured: 'not measured', met: null });
  });
});
