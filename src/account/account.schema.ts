import { z } from 'zod';
import { csrfFormSchema } from '../interaction/csrf.schema.js';

/** Unlinking a provider from the account page. */
export const unlinkFormSchema = csrfFormSchema.extend({
  provider: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'is not a provider name'),
});
export type UnlinkForm = z.infer<typeof unlinkFormSchema>;

/** The profile form: standard attributes and declared `custom:NAME` ones (checked by the directory). */
export const profileFormSchema = csrfFormSchema.extend({
  name: z.string().max(2048).optional(),
  given_name: z.string().max(2048).optional(),
  family_name: z.string().max(2048).optional(),
}).catchall(z.string().max(2048));
export type ProfileForm = z.infer<typeof profileFormSchema>;

/** The password form: both fields present (an empty one is refused by the checks, with its field named). */
export const passwordFormSchema = csrfFormSchema.extend({
  current_password: z.string().max(4096).default(''),
  new_password: z.string().max(4096).default(''),
});
export type PasswordForm = z.infer<typeof passwordFormSchema>;

/** Signing out of one app: the grant's id, as the page listed it. */
export const appFormSchema = csrfFormSchema.extend({ grant: z.string().min(1).max(128) });
export type AppForm = z.infer<typeof appFormSchema>;

/** Deleting one's own account: the typed confirmation. */
export const deleteFormSchema = csrfFormSchema.extend({ confirm: z.string().max(64).default('') });
export type DeleteForm = z.infer<typeof deleteFormSchema>;

/** Asking to change one's address. */
export const emailFormSchema = csrfFormSchema.extend({ email: z.string().max(320).default('') });
export type EmailForm = z.infer<typeof emailFormSchema>;

/** The code mailed to the new address. */
export const emailCodeFormSchema = csrfFormSchema.extend({ code: z.string().max(64).default('') });
export type EmailCodeForm = z.infer<typeof emailCodeFormSchema>;
