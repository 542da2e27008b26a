import { CodeRefusedError } from '../errors/code-refused-error.js';
import type { CodeRefusal } from '../interaction/self-service/account-codes.js';

/** AccountCodes' refusal as the error the API answers; `none` (no code, no account) reads as a mismatch. */
export function codeRefused(reason: CodeRefusal): CodeRefusedError {
  if (reason === 'expired') return new CodeRefusedError('expired');
  if (reason === 'too_many_attempts') return new CodeRefusedError('exhausted');
  return new CodeRefusedError('mismatch');
}
