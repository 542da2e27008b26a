import { csrfFormSchema } from '../csrf.schema.js';

/** The consent form (`form#consent-form`): "Allow" carries nothing but the CSRF token. */
export const consentFormSchema = csrfFormSchema;
export type { CsrfForm as ConsentForm } from '../csrf.schema.js';
