import { z } from 'zod';
import { csrfFormSchema } from '../csrf.schema.js';

/**
 * `form#signup-form`. Empty fields are not schema errors (the page says which are required, by field);
 * lengths are bounded here so an oversized form is refused before any work. Declared custom attributes
 * arrive as `custom:NAME` and are typed and checked by the directory.
 */
export const signupFormSchema = csrfFormSchema.extend({
  email: z.string().max(254).default(''),
  password: z.string().max(4096).default(''),
  username: z.string().max(128).default(''),
  given_name: z.string().max(256).default(''),
  family_name: z.string().max(256).default(''),
}).catchall(z.string().max(2048));
export type SignupForm = z.infer<typeof signupFormSchema>;

/** `form#verify-form`. */
export const verifyFormSchema = csrfFormSchema.extend({ code: z.string().max(64).default('') });
export type VerifyForm = z.infer<typeof verifyFormSchema>;

/** `form#forgot-form`: a username or an e-mail address. */
export const forgotFormSchema = csrfFormSchema.extend({ username: z.string().max(254).default('') });
export type ForgotForm = z.infer<typeof forgotFormSchema>;

/** `form#reset-form`. */
export const resetFormSchema = csrfFormSchema.extend({ code: z.string().max(64).default(''), password: z.string().max(4096).default('') });
export type ResetForm = z.infer<typeof resetFormSchema>;
