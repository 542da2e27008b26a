import { z } from 'zod';

/*
 * The identity-pool API's requests, bounded as Cognito bounds them (API reference, "Length Constraints").
 * Members an operation does not use are accepted and dropped.
 */

/** `Logins`: provider name → token, at most 10 entries. */
const loginsField = z.record(z.string().min(1).max(128), z.string().min(1).max(50_000))
  .refine((logins) => Object.keys(logins).length <= 10, 'at most 10 logins')
  .optional();
const identityIdField = z.string().min(1).max(55);

/** `GetIdInput`. AccountId is accepted and ignored: the pool is this server's. */
export const getIdSchema = z.object({
  IdentityPoolId: z.string().min(1).max(55),
  AccountId: z.string().min(1).max(15).optional(),
  Logins: loginsField,
});
export type GetIdRequest = z.infer<typeof getIdSchema>;

/** `GetCredentialsForIdentityInput`. */
export const getCredentialsForIdentitySchema = z.object({
  IdentityId: identityIdField,
  Logins: loginsField,
  CustomRoleArn: z.string().min(20).max(2048).optional(),
});
export type GetCredentialsForIdentityRequest = z.infer<typeof getCredentialsForIdentitySchema>;

/** `GetOpenIdTokenInput`. */
export const getOpenIdTokenSchema = z.object({
  IdentityId: identityIdField,
  Logins: loginsField,
});
export type GetOpenIdTokenRequest = z.infer<typeof getOpenIdTokenSchema>;
