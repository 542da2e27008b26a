import { InvalidRequestError } from '../errors/app-error.js';

/** Only `email` has codes (no phone numbers here); any other name is InvalidParameterException. */
export function assertVerifiableAttribute(name: string): void {
  if (name !== 'email') throw new InvalidRequestError('Only the email attribute can be verified.', [{ path: 'AttributeName', message: 'must be email' }]);
}
