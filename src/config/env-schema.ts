import { z } from 'zod';

/**
 * The environment variables `loadConfig` reads, as one zod schema, with value parsers whose messages say
 * what to write (the variables themselves are documented on the `Config` fields they fill). Checks that
 * span several variables stay in load-config.ts.
 */

/**
 * A whole-number setting from `min` to `max`, with one plain message for every way it can be wrong (not a
 * number, a fraction, out of range), so the operator reads what to write rather than a parser's words.
 */
function wholeNumber(min: number, max: number, note = '') {
  const message = `must be a whole number from ${min} to ${max}${note}`;
  return z.coerce.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });
}
/** A text setting of bounded length, with a plain message. */
function text(min: number, max: number) {
  const message = min > 1 ? `must be ${min} to ${max} characters` : `must be at most ${max} characters`;
  return z.string().min(min, { error: message }).max(max, { error: message });
}
const booleanString = z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false (1/0 and yes/no also work)' }).transform((v) => ['true', '1', 'yes'].includes(v));
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const absoluteHttpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.search && !url.hash;
  } catch {
    return false;
  }
}, 'must be an absolute http(s) URL without query or fragment');
const smtpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '';
  } catch {
    return false;
  }
}, 'must be an smtp:// or smtps:// URL with a host');
// One address, bare or as `Name <address>` (a name with a comma or @ quoted); no line breaks, which would
// let the value write other headers.
const mailFrom = z.string().max(320, 'must be at most 320 characters').regex(
  /^(?:(?:"(?:[^"\\\r\n]|\\.)*"|[^<>@,"\r\n]*)\s*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@,"]+@[^\s<>@,"]+)$/,
  'must be one address, as a@b.example or Name <a@b.example>',
);

export const envSchema = z.object({
  PORT: wholeNumber(1, 65535).default(3000),
  HOST: text(1, 255).default('0.0.0.0'),
  LATCHKEY_ISSUER: absoluteHttpUrl.optional(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  LATCHKEY_DATA_DIR: text(1, 4096).optional(),
  LATCHKEY_DB_PREPARED_STATEMENTS: booleanString.default(true),
  LATCHKEY_SECRET: z.string().optional(),
  LATCHKEY_API_AUDIENCES: z.string().optional(),
  LATCHKEY_ACCESS_TOKEN_TTL: wholeNumber(5, 86400, ' (seconds)').default(3600),
  LATCHKEY_TRUST_PROXY: booleanString.default(false),
  LATCHKEY_PROXY_HOPS: wholeNumber(1, 10).default(1),
  LATCHKEY_KEY_REFRESH_SECONDS: wholeNumber(1, 3600, ' (seconds)').default(30),
  // The shape Amplify and aws-jwt-verify accept in a user-pool ID's first part.
  LATCHKEY_REGION: z.string().regex(/^[a-z]{2}-(gov-)?[a-z]+-\d{1,2}$/, 'must be an AWS-style region such as us-east-1 or eu-west-2').default('us-east-1'),
  S3_ENDPOINT: absoluteHttpUrl.optional(),
  S3_REGION: z.string().regex(/^[a-z0-9-]{1,32}$/, 'must look like us-east-1').default('us-east-1'),
  S3_STS_ACCESS_KEY: text(3, 128).optional(),
  S3_STS_SECRET_KEY: text(8, 128).optional(),
  LATCHKEY_STS_MAX_DURATION: wholeNumber(900, 604800, ' (seconds)').default(43200),
  LATCHKEY_STS_RATE_LIMIT: wholeNumber(1, 100000, ' (issuances per user per hour)').default(120),
  LATCHKEY_AUDIT_RETENTION_DAYS: wholeNumber(1, 36500, ' (days)').default(365),
  LATCHKEY_THEME_CSS: z.string().min(1).optional(),
  LATCHKEY_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  LATCHKEY_METRICS_PORT: wholeNumber(0, 65535, ' (0: any free port)').optional(),
  LATCHKEY_METRICS_HOST: z.string().min(1).optional(),
  LATCHKEY_PRODUCT_NAME: text(1, 64).default('Latchkey'),
  SMTP_URL: smtpUrl.optional(),
  MAIL_FROM: mailFrom.optional(),
  LATCHKEY_MAIL_TEMPLATES: z.string().min(1).optional(),
  LATCHKEY_PLAYGROUND: z.enum(['on', 'off'], { error: 'must be on or off' }).optional(),
  LATCHKEY_CONFIG: text(1, 4096).optional(),
  LATCHKEY_ALLOW_HTTP_ISSUER: booleanString.default(false),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  NODE_ENV: z.string().optional(),
});
