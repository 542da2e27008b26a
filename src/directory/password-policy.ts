import { InvalidRequestError } from '../errors/app-error.js';
import { MAX_PASSWORD_BYTES } from './password-hasher.js';

/** Password policy. Defaults follow NIST SP 800-63B: length over composition rules. */
export interface PasswordPolicy {
  minLength: number;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = Object.freeze({ minLength: 8 });

export function checkPassword(password: string, policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY): void {
  if ([...password].length < policy.minLength) {
    throw new InvalidRequestError(`password must be at least ${policy.minLength} characters`, [{ path: 'password', message: 'too short' }]);
  }
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    throw new InvalidRequestError(`password must be at most ${MAX_PASSWORD_BYTES} bytes`, [{ path: 'password', message: 'too long' }]);
  }
}
