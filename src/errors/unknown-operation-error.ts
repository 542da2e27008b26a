import { AppError } from './app-error.js';

/**
 * 400 `unknown_operation`: an RPC-style API (the Cognito JSON protocol's `X-Amz-Target`) names an operation
 * Latchkey does not serve. The name is echoed only when it is short and printable.
 */
export class UnknownOperationError extends AppError {
  constructor(target: string | undefined) {
    const shown = target && /^[\x21-\x7E]{1,128}$/.test(target) ? target : undefined;
    super(400, 'unknown_operation', shown ? `The operation ${shown} is not supported.` : 'The request names no supported operation (X-Amz-Target).');
  }
}
