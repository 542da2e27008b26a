import type { Measurement } from './measurement.js';
import { byScenario, formatRate, utcMinute, type ReportContent } from './report-content.js';

/** Layout, in px. Target names are right-aligned against the bars; each bar's figure follows its end. */
export const CHART = Object.freeze({ width: 900, labelRight: 290, barX: 300, barMaxWidth: 470, rowHeight: 24, barHeight: 16 });
/** About as many characters as fit left of the bars at 12px; longer names are cut, the full one in a tooltip. */
const LABEL_CHARS = 40;
const LATCHKEY = '#2f6db3';
const OTHER = '#8c96a3';

/**
 * The throughput scenarios as a hand-written SVG: per scenario a group of horizontal bars, one per target,
 * each scaled to the scenario's fastest target (scenarios differ by orders of magnitude, so one common scale
 * would flatten most groups). Every text from the input is XML-escaped.
 */
export function renderSvg(content: ReportContent): string {
  const title = `Latchkey benchmark, ${utcMinute(content.startedAt)}: requests per second`;
  const { runs, seconds, concurrency } = content.settings;
  const subtitle = `Median of ${runs} ${runs === 1 ? 'run' : 'runs'} of ${seconds} s, ${concurrency} concurrent clients; each group scaled to its fastest target; Latchkey in blue`;
  const body: string[] = [
    text(20, 28, title, 'font-size="16" font-weight="bold"'),
    text(20, 48, subtitle, 'font-size="12" fill="#444"'),
  ];
  let y = 72;
  const groups = byScenario(content.measurements).filter(([, rows]) => rows.some((m) => m.median));
  if (groups.length === 0) {
    body.push(text(20, y + 14, 'No throughput figures in this run.', 'font-size="12"'));
    y += 24;
  }
  for (const [scenario, rows] of groups) {
    body.push(text(20, y + 14, scenario, 'font-size="14" font-weight="bold"'));
    y += 24;
    const fastest = Math.max(...rows.map((m) => m.median?.rps ?? 0));
    for (const m of rows) {
      body.push(...barRow(m, fastest, y));
      y += CHART.rowHeight;
    }
    y += 12;
  }
  const height = y + 8;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART.width}" height="${height}" viewBox="0 0 ${CHART.width} ${height}" role="img" font-family="sans-serif">`,
    `<title>${xml(title)}</title>`,
    `<rect width="${CHART.width}" height="${height}" fill="#fff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** The width of a bar for `rps` when the group's fastest target fills `CHART.barMaxWidth`. */
export function barWidth(rps: number, fastest: number): number {
  return fastest > 0 ? Number(((rps / fastest) * CHART.barMaxWidth).toFixed(2)) : 0;
}

function barRow(m: Measurement, fastest: number, y: number): string[] {
  const middle = y + CHART.barHeight / 2 + 4;
  const label = m.target.length > LABEL_CHARS ? `${m.target.slice(0, LABEL_CHARS - 1)}…` : m.target;
  const parts = [`<text x="${CHART.labelRight}" y="${middle}" font-size="12" text-anchor="end">${xml(label)}<title>${xml(m.target)}</title></text>`];
  if (!m.median) {
    const why = m.skipped !== undefined ? 'not measured' : m.value !== undefined ? `${m.value} ${m.unit ?? ''}`.trim() : '—';
    parts.push(text(CHART.barX, middle, why, 'font-size="12" font-style="italic" fill="#666"'));
    return parts;
  }
  const width = barWidth(m.median.rps, fastest);
  const fill = m.target.toLowerCase().startsWith('latchkey') ? LATCHKEY : OTHER;
  parts.push(
    `<rect class="bar" x="${CHART.barX}" y="${y}" width="${width}" height="${CHART.barHeight}" fill="${fill}"/>`,
    text(CHART.barX + width + 6, middle, `${formatRate(m.median.rps)} req/s`, 'font-size="12"'),
  );
  return parts;
}

function text(x: number, y: number, content: string, attributes: string): string {
  return `<text x="${x}" y="${y}" ${attributes}>${xml(content)}</text>`;
}

/** Escapes text for XML content and attribute values alike. */
export function xml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}
