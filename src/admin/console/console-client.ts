/** The client id of the admin console, an authorization-code client of Latchkey itself. */
export const CONSOLE_CLIENT_ID = 'latchkey-admin';

/** Where the console's sign-in returns, from LATCHKEY_ISSUER. */
export function consoleCallbackUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/admin/callback`;
}
