import { z } from 'zod';

const roleName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be a role name');
/**
 * Seconds as an integer: a JSON integer, or a form string of decimal digits only. `z.coerce.number()` would
 * also take "1e3", "0x384", " 900" and "900.0", which no AWS client sends and which hide typos.
 */
const duration = z.preprocess(
  (value) => (typeof value === 'string' && /^[0-9]{1,9}$/.test(value) ? Number(value) : value),
  z.number({ error: 'must be an integer number of seconds' }).int('must be an integer number of seconds'),
);

/** Body of `POST /sts/credentials` (JSON or form); every field optional. */
export const credentialsRequestSchema = z.object({
  role: roleName.optional(),
  duration_seconds: duration.optional(),
}).strict();
export type CredentialsRequest = z.infer<typeof credentialsRequestSchema>;

/** `POST /sts`: AWS STS query protocol, AssumeRoleWithWebIdentity only. */
export const assumeRoleWithWebIdentitySchema = z.object({
  Action: z.literal('AssumeRoleWithWebIdentity'),
  Version: z.literal('2011-06-15'),
  RoleArn: z.string().max(2048).regex(/^arn:[\w-]+:iam::[^:]*:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)'),
  RoleSessionName: z.string().regex(/^[\w+=,.@-]{2,64}$/, 'must be 2-64 characters of [\\w+=,.@-]').optional(),
  // A token file written with `echo` ends in a newline that the AWS CLI and SDKs send as they read it.
  WebIdentityToken: z.string().max(8192).transform((token) => token.trim()).pipe(z.string().min(1)),
  DurationSeconds: duration.optional(),
  ProviderId: z.string().optional(),
}).strict();
export type AssumeRoleWithWebIdentityRequest = z.infer<typeof assumeRoleWithWebIdentitySchema>;

/** The role a RoleArn names: its last path segment after `role/`, whatever account or partition precedes it. */
export function roleFromArn(arn: string): string {
  const path = arn.slice(arn.indexOf(':role/') + ':role/'.length);
  return path.slice(path.lastIndexOf('/') + 1);
}
