import { AppError } from './app-error.js';

/**
 * 403 `user_not_confirmed` or `password_reset_required`: the password was right, but the account may not
 * act until its owner confirms it or resets the password. Told only after the password was proven, as the
 * hosted sign-in does; a disabled account is a plain ForbiddenError.
 */
export class AccountStateError extends AppError {
  readonly state: 'unconfirmed' | 'reset_required';
  constructor(state: 'unconfirmed' | 'reset_required') {
    super(403, state === 'unconfirmed' ? 'user_not_confirmed' : 'password_reset_required', state === 'unconfirmed' ? 'User is not confirmed.' : 'Password reset required for the user');
    this.state = state;
  }
}
