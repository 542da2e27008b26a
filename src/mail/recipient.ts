import { InvalidRequestError } from '../errors/app-error.js';

// One mailbox, nothing else: a comma, semicolon or angle bracket could name a second recipient, and a line
// break could write a header. Deliverability is the relay's business; this only keeps the message to one.
const SINGLE_ADDRESS = /^[^\s@,;:<>()[\]"\\]+@[^\s@,;:<>()[\]"\\]+\.[^\s@,;:<>()[\]"\\]+$/;

/**
 * Refuses anything but one plain address (`local@domain.tld`), so a value typed into a sign-up form
 * cannot send a code to more than the one address it names.
 */
export function assertSingleRecipient(to: string): string {
  if (to.length > 320 || !SINGLE_ADDRESS.test(to)) throw new InvalidRequestError('the e-mail address cannot receive mail', [{ path: 'email', message: 'must be one e-mail address' }]);
  return to;
}
