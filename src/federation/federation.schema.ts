import { z } from 'zod';

/**
 * An upstream's answer at the callback (query or `form_post` body): `state` names the federation; the rest
 * (code, iss, error, error_description, Apple's `user`) is checked by openid-client, not here.
 */
export const callbackSchema = z.record(z.string(), z.string().max(8192)).refine((form) => typeof form.state === 'string' && form.state.length > 0, { message: 'state is required', path: ['state'] });
export type CallbackParams = z.infer<typeof callbackSchema>;
