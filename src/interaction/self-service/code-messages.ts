import type { CodeRefusal } from './account-codes.js';

/** What a refused code shows. `none` and `invalid` read alike: nobody learns whether a code was ever sent. */
export const CODE_REFUSALS: Record<CodeRefusal, string> = {
  invalid: 'That code is not right. Check the latest e-mail and try again.',
  none: 'That code is not right. Check the latest e-mail and try again.',
  expired: 'That code has expired. Ask for a new one.',
  too_many_attempts: 'Too many wrong codes. Ask for a new one.',
};
