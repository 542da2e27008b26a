import type { Measurement } from './measurement.js';
import { byScenario, formatMs, formatRate, utcMinute, type ReportContent } from './report-content.js';
import { formatCpu } from './cpu-time.js';

const NONE = '—';

/**
 * The report as Markdown: what was measured on, the run's settings, the targets the issue sets, one table per
 * scenario, and the chart (`chartHref`, relative to the Markdown file).
 */
export function renderMarkdown(content: ReportContent, chartHref: string): string {
  const { machine, settings } = content;
  const lines = [
    `# Latchkey benchmark, ${utcMinute(content.startedAt)}`,
    '',
    `- Machine: ${machine.cpus} cores, ${machine.cpuModel}, ${machine.totalMemoryMiB.toLocaleString('en-US')} MiB memory, ${machine.platform}`,
    `- Load average at start: ${machine.loadAverage.map((load) => load.toFixed(2)).join(' / ')} (1, 5, 15 min)`,
    `- Node ${machine.node}; ${machine.postgres}`,
    `- ${settings.quick ? 'Quick run' : 'Full run'}: ${settings.runs} ${settings.runs === 1 ? 'run' : 'runs'} per figure (the median shown), ${settings.seconds} s per run, ${settings.concurrency} concurrent clients; `
      + `${settings.warmupMs / 1000} s of unrecorded load before each run${settings.firstWarmupMs ? ` and ${settings.firstWarmupMs / 1000} s more before a figure's first` : ''}`,
    ...(content.measurements.some((m) => m.median?.cpu)
      ? ['- CPU ms per request: the median run\'s measured window, the server process\'s threads (in brackets its main thread, and its libuv thread pool, where a Node server\'s signatures run; a Go server\'s threads are not told apart) and the Postgres backends of its database; the load generator\'s own time not counted']
      : []),
    '',
    '## Targets',
    '',
  ];
  if (content.targets.length === 0) lines.push('No targets checked in this run.');
  else {
    lines.push('| measure | target | measured | met |', '|---|---|---|:---:|');
    for (const check of content.targets) {
      const met = check.met === null ? NONE : check.met ? '✅' : '❌';
      lines.push(row([check.measure, check.target, check.measured, met]));
    }
  }
  for (const [scenario, rows] of byScenario(content.measurements)) lines.push('', `## ${cell(scenario)}`, '', ...scenarioTable(rows, settings.concurrency));
  lines.push('', '## Chart', '', `![Requests per second by scenario and target](${chartHref})`, '');
  return lines.join('\n');
}

/** A scenario of throughput rows gets the full table; one of single values (memory, start-up) a short one. */
function scenarioTable(rows: readonly Measurement[], concurrency: number): string[] {
  if (!rows.some((measurement) => measurement.median)) {
    return ['| target | value | note |', '|---|---:|---|', ...rows.map((m) => row([m.target, figure(m), note(m)]))];
  }
  // CPU per request, where a probe watched the server (on Linux): the median run's, in milliseconds.
  const withCpu = rows.some((m) => m.median?.cpu);
  const lines = withCpu
    ? ['| target | req/s | p50 ms | p99 ms | spread (req/s) | CPU ms per request | note |', '|---|---:|---:|---:|---:|---:|---|']
    : ['| target | req/s | p50 ms | p99 ms | spread (req/s) | note |', '|---|---:|---:|---:|---:|---|'];
  for (const m of rows) {
    const cpu = withCpu ? [m.median?.cpu ? formatCpu(m.median.cpu) : NONE] : [];
    lines.push(row(m.median
      ? [m.target, formatRate(m.median.rps), formatMs(m.median.p50), formatMs(m.median.p99), spread(m), ...cpu, note(m, concurrency)]
      : [m.target, figure(m), NONE, NONE, NONE, ...cpu, note(m)]));
  }
  return lines;
}

/** A row without a median: the reason it was skipped, its single value, or nothing. */
function figure(m: Measurement): string {
  if (m.skipped !== undefined) return `not measured: ${m.skipped}`;
  if (m.value !== undefined) return `${formatValue(m.value)}${m.unit ? ` ${m.unit}` : ''}`;
  return NONE;
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(1);
}

/** Slowest to fastest run; one run has no spread. */
function spread(m: Measurement): string {
  const rates = (m.runs ?? []).map((run) => run.rps);
  if (rates.length < 2) return NONE;
  return `${formatRate(Math.min(...rates))}–${formatRate(Math.max(...rates))}`;
}

/**
 * The row's workers when they are not the run's (`concurrency`), its remark, and failed requests of the median
 * run, which would otherwise pass for throughput.
 */
function note(m: Measurement, concurrency?: number): string {
  const parts = m.concurrency !== undefined && m.concurrency !== concurrency ? [`${m.concurrency} concurrent ${m.concurrency === 1 ? 'client' : 'clients'}`] : [];
  if (m.note) parts.push(m.note);
  if (m.median && m.median.errors > 0) parts.push(`${m.median.errors.toLocaleString('en-US')} errors in ${m.median.requests.toLocaleString('en-US')} requests`);
  return parts.join('; ');
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

/**
 * A table cell: `|` would end it and `<` before a letter, `/`, `!` or `?` could open raw HTML, so both are
 * backslash-escaped (a plain `< 100 MiB` stays as written); newlines are flattened.
 */
function cell(text: string): string {
  return text.replace(/[\\|]|<(?=[A-Za-z/!?])/g, (c) => `\\${c}`).replace(/\s*\n\s*/g, ' ');
}
