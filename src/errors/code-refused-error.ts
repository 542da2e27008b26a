import { AppError } from './app-error.js';

/**
 * Why a one-time code was not accepted. `mismatch` also covers "no code was ever sent" and "no such
 * account", so a refusal never tells whether an account exists; `exhausted`: too many wrong tries, the
 * code is spent and a new one must be asked for.
 */
export type CodeRefusalKind = 'mismatch' | 'expired' | 'exhausted';

const DESCRIPTIONS: Record<CodeRefusalKind, string> = {
  mismatch: 'Invalid verification code provided, please try again.',
  expired: 'Invalid code provided, please request a code again.',
  exhausted: 'Too many wrong codes. Request a new code.',
};

/** 400 `invalid_code`, `expired_code` or `code_attempts_exceeded`: a mailed one-time code was refused. */
export class CodeRefusedError extends AppError {
  readonly kind: CodeRefusalKind;
  constructor(kind: CodeRefusalKind) {
    super(400, kind === 'mismatch' ? 'invalid_code' : kind === 'expired' ? 'expired_code' : 'code_attempts_exceeded', DESCRIPTIONS[kind]);
    this.kind = kind;
  }
}
