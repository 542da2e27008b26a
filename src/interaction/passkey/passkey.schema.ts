import { z } from 'zod';
import { csrfFormSchema } from '../csrf.schema.js';

const base64url = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_-]+$/, 'not base64url');

/** The browser's answer to navigator.credentials.create, as passkey.js encodes it (RegistrationResponseJSON). */
export const registrationResponseSchema = z.object({
  id: base64url(1400),
  rawId: base64url(1400),
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.object({}).loose().default({}),
  response: z.object({
    clientDataJSON: base64url(4096),
    attestationObject: base64url(12_000),
    transports: z.array(z.string().max(32)).max(8).optional(),
  }),
});

/** The browser's answer to navigator.credentials.get (AuthenticationResponseJSON). */
export const authenticationResponseSchema = z.object({
  id: base64url(1400),
  rawId: base64url(1400),
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.object({}).loose().default({}),
  response: z.object({
    clientDataJSON: base64url(4096),
    authenticatorData: base64url(4096),
    // Up to an ML-DSA-44 signature (2,420 bytes), which Chromium picks when offered first, as it is here.
    signature: base64url(4096),
    // Absent, null or empty when the authenticator returns none (a non-discoverable credential).
    userHandle: z.string().max(128).regex(/^[A-Za-z0-9_-]*$/, 'not base64url').nullish().transform((value) => value || undefined),
  }),
});

/**
 * A form field holding the browser's answer as JSON, typed by `schema`. Empty (the browser made no passkey:
 * no script, cancelled, or the options request failed) reads as undefined, so the page can say so.
 */
function credentialField<S extends z.ZodType>(schema: S) {
  return z.string().max(15_000).default('').transform((text, ctx): z.output<S> | undefined => {
    if (text.trim() === '') return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      const where = result.error.issues[0]?.path.join('.');
      ctx.addIssue({ code: 'custom', message: `not a WebAuthn response${where ? ` (${where})` : ''}` });
      return z.NEVER;
    }
    return result.data;
  });
}

/** A sign-in's passkey form (passwordless, or the second factor): the CSRF token and the assertion. */
export const passkeyAssertionFormSchema = csrfFormSchema.extend({ credential: credentialField(authenticationResponseSchema) });
export type PasskeyAssertionForm = z.infer<typeof passkeyAssertionFormSchema>;

/** The account page's "Add a passkey" form: an optional name and the new credential. */
export const passkeyRegistrationFormSchema = csrfFormSchema.extend({
  name: z.string().max(64).default(''),
  credential: credentialField(registrationResponseSchema),
});
export type PasskeyRegistrationForm = z.infer<typeof passkeyRegistrationFormSchema>;

/** Rename or delete one of the user's passkeys. */
export const passkeyRenameFormSchema = csrfFormSchema.extend({ passkey: z.uuid(), name: z.string().max(64).default('') });
export type PasskeyRenameForm = z.infer<typeof passkeyRenameFormSchema>;
export const passkeyDeleteFormSchema = csrfFormSchema.extend({ passkey: z.uuid() });
export type PasskeyDeleteForm = z.infer<typeof passkeyDeleteFormSchema>;
