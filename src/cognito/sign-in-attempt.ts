import { TooManyAttemptsError } from '../errors/app-error.js';
import type { AttemptSubject } from '../interaction/login-throttle.js';
import type { CognitoDeps } from './cognito-operation.js';

/**
 * Counts a password sign-in attempt (USER_PASSWORD_AUTH or SRP) on the account, or the name, and the address,
 * before any password work; over the limit it is logged, counted as throttled, and refused
 * (LimitExceededException on the wire).
 */
export async function countSignInAttempt(deps: Pick<CognitoDeps, 'throttle' | 'logger' | 'metrics'>, subject: AttemptSubject, address: string): Promise<void> {
  try {
    await deps.throttle.attempt(subject, address);
  } catch (error) {
    if (error instanceof TooManyAttemptsError) {
      deps.logger.warn({ event: 'login.throttled' }, 'sign-in attempts throttled');
      deps.metrics.signIn('password', 'throttled');
    }
    throw error;
  }
}
