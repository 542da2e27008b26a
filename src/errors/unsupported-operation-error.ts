import { AppError } from './app-error.js';

/**
 * 400 `unsupported_operation`: an RPC-style API names a real operation of the API it imitates (Cognito's)
 * that Latchkey does not serve. Distinct from UnknownOperationError, so that an app being moved learns which
 * call needs another route instead of reading a typo.
 */
export class UnsupportedOperationError extends AppError {
  readonly operation: string;

  constructor(operation: string) {
    super(400, 'unsupported_operation', `Latchkey does not support the operation ${operation}.`);
    this.operation = operation;
  }
}
