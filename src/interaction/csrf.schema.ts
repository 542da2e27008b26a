import { z } from 'zod';

/**
 * A hosted form with nothing but its CSRF token (consent, cancel). The token is optional here so that a
 * missing one is refused by the CSRF step as such (403), not as a malformed form.
 */
export const csrfFormSchema = z.object({
  csrf: z.string().optional(),
});
export type CsrfForm = z.infer<typeof csrfFormSchema>;
