/** One hour of the chart: its label, its counts and the bars' geometry in the SVG's own units. */
export interface ChartHour {
  label: string;
  success: number;
  failure: number;
  x: number;
  successY: number;
  successHeight: number;
  failureY: number;
  failureHeight: number;
}

/** What the dashboard's SVG and its table show. */
export interface SignInChart {
  width: number;
  height: number;
  barWidth: number;
  /** The largest hourly total (the top of the scale), at least 1. */
  max: number;
  hours: ChartHour[];
  totals: { success: number; failure: number };
}

const HOURS = 24;
const WIDTH = 480;
const HEIGHT = 160;
const SLOT = WIDTH / HOURS;
const BAR = SLOT - 4;

/**
 * Sign-ins per hour over the last 24 hours, the current hour last, as stacked bars (successes below,
 * failures on top). Computed here so the page needs no script: the template only draws rectangles. Hours
 * with no sign-in are present with zero, so the axis is always 24 hours long.
 */
export function buildSignInChart(rows: readonly { hour: Date; outcome: 'success' | 'failure'; count: number }[], now: Date): SignInChart {
  const currentHour = Math.floor(now.getTime() / 3_600_000) * 3_600_000;
  const counts = new Map<number, { success: number; failure: number }>();
  for (let i = 0; i < HOURS; i += 1) counts.set(currentHour - (HOURS - 1 - i) * 3_600_000, { success: 0, failure: 0 });
  for (const row of rows) {
    const slot = counts.get(Math.floor(row.hour.getTime() / 3_600_000) * 3_600_000);
    if (slot) slot[row.outcome] += row.count;
  }
  const max = Math.max(1, ...[...counts.values()].map((c) => c.success + c.failure));
  const scale = (n: number) => Math.round((n / max) * HEIGHT * 10) / 10;
  const hours = [...counts.entries()].map(([start, c], i) => {
    const successHeight = scale(c.success);
    const failureHeight = scale(c.failure);
    return {
      label: `${new Date(start).toISOString().slice(11, 16)} UTC`,
      success: c.success,
      failure: c.failure,
      x: Math.round((i * SLOT + 2) * 10) / 10,
      successY: HEIGHT - successHeight,
      successHeight,
      failureY: HEIGHT - successHeight - failureHeight,
      failureHeight,
    };
  });
  const totals = hours.reduce((sum, h) => ({ success: sum.success + h.success, failure: sum.failure + h.failure }), { success: 0, failure: 0 });
  return { width: WIDTH, height: HEIGHT, barWidth: BAR, max, hours, totals };
}
