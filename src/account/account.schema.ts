import { z } from 'zod';
import { csrfFormSchema } from '../interaction/csrf.schema.js';

/** Unlinking a provider from the account page. */
export const unlinkFormSchema = csrfFormSchema.extend({
  provider: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'is not a provider name'),
});
export type UnlinkForm = z.infer<typeof unlinkFormSchema>;
