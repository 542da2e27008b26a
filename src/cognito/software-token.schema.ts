import { z } from 'zod';

const accessTokenField = z.string().min(1).max(16_384);
const sessionField = z.string().min(1).max(2048);

/** Exactly one of AccessToken (a signed-in user) and Session (the MFA_SETUP challenge's), as Cognito requires. */
const oneCaller = <T extends { AccessToken?: string; Session?: string }>(input: T) => (input.AccessToken === undefined) !== (input.Session === undefined);
const ONE_CALLER = { message: 'exactly one of AccessToken and Session is required', path: ['AccessToken'] };

/** AssociateSoftwareToken: whose enrolment starts. */
export const associateSoftwareTokenSchema = z.object({ AccessToken: accessTokenField.optional(), Session: sessionField.optional() }).refine(oneCaller, ONE_CALLER);

/** VerifySoftwareToken: the first code from the authenticator; FriendlyDeviceName is accepted and not kept. */
export const verifySoftwareTokenSchema = z.object({
  AccessToken: accessTokenField.optional(),
  Session: sessionField.optional(),
  UserCode: z.string().min(1).max(16),
  FriendlyDeviceName: z.string().max(256).optional(),
}).refine(oneCaller, ONE_CALLER);

const mfaSettings = z.object({ Enabled: z.boolean().optional(), PreferredMfa: z.boolean().optional() }).optional();

/** SetUserMFAPreference: only the authenticator (SoftwareTokenMfaSettings) exists in Latchkey. */
export const setUserMfaPreferenceSchema = z.object({
  AccessToken: accessTokenField,
  SoftwareTokenMfaSettings: mfaSettings,
  SMSMfaSettings: mfaSettings,
  EmailMfaSettings: mfaSettings,
  WebAuthnMfaSettings: mfaSettings,
});
