const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** `ddd MMM D HH:mm:ss UTC YYYY`: the day of the month without a leading zero, the time with them. */
const FORMAT = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9]|[12][0-9]|3[01]) ([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]) UTC ([0-9]{4})$/;

/**
 * How far the TIMESTAMP of a PASSWORD_VERIFIER answer may be from the server's clock: 15 minutes, the clock
 * skew AWS tolerates on signed requests. The timestamp is signed into the claim, but what makes an answer
 * fresh and single-use is the server-side challenge (3 minutes, spent once); the window only refuses a
 * claim made for another time, and a narrower one would refuse phones whose clocks drift.
 */
export const TIMESTAMP_SKEW_SECONDS = 15 * 60;

/** The TIMESTAMP as a time; undefined unless it is exactly Cognito's format, with the right weekday and a real date. */
export function parseSrpTimestamp(text: string): Date | undefined {
  const match = FORMAT.exec(text);
  if (!match) return undefined;
  const [, weekday, month, day, hours, minutes, seconds, year] = match;
  const monthIndex = MONTHS.indexOf(month as (typeof MONTHS)[number]);
  const at = new Date(Date.UTC(Number(year), monthIndex, Number(day), Number(hours), Number(minutes), Number(seconds)));
  // 31 Feb would roll over into March: refused, as is a weekday that is not that date's.
  if (at.getUTCMonth() !== monthIndex || DAYS[at.getUTCDay()] !== weekday) return undefined;
  return at;
}

/** The TIMESTAMP a client would send at `at` (for tests and for clients written against Latchkey). */
export function formatSrpTimestamp(at: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[at.getUTCDay()]} ${MONTHS[at.getUTCMonth()]} ${at.getUTCDate()} ${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())} UTC ${at.getUTCFullYear()}`;
}

/** Whether a TIMESTAMP is well formed and within the skew window of `now`. */
export function timestampAcceptable(text: string, now: Date): boolean {
  const at = parseSrpTimestamp(text);
  return at !== undefined && Math.abs(at.getTime() - now.getTime()) <= TIMESTAMP_SKEW_SECONDS * 1000;
}
