import { z } from 'zod';
import { csrfFormSchema } from '../csrf.schema.js';

/**
 * The sign-in form (`form#login-form`). Empty or missing fields are not a schema error: the handler shows
 * the form again with a hint, as a person expects; other fields (a theme's extras) are ignored.
 */
export const loginFormSchema = csrfFormSchema.extend({
  username: z.string().default(''),
  password: z.string().default(''),
});
export type LoginForm = z.infer<typeof loginFormSchema>;
