import { z } from 'zod';
import { csrfFormSchema } from '../csrf.schema.js';

/** `form#mfa-form` (a TOTP code or a recovery code) and the enrolment forms (a TOTP code). */
export const mfaCodeFormSchema = csrfFormSchema.extend({ code: z.string().max(64).default('') });
export type MfaCodeForm = z.infer<typeof mfaCodeFormSchema>;
