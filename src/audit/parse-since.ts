const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/**
 * A point in time as operators type it: a duration back from `now` (`90s`, `30m`, `1h`, `7d`, `2w`) or an
 * ISO 8601 time with a date. Undefined when it is neither (the caller says what was expected).
 */
export function parseSince(text: string, now: Date): Date | undefined {
  const duration = /^(\d{1,6})([smhdw])$/.exec(text.trim());
  if (duration) return new Date(now.getTime() - Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS]);
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) return undefined;
  const time = new Date(text.trim());
  return Number.isNaN(time.getTime()) ? undefined : time;
}
