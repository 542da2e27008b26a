/** The client id of the account page, an authorization-code client of Latchkey itself. */
export const ACCOUNT_CLIENT_ID = 'latchkey-account';

/** Where the account page's sign-in returns, from LATCHKEY_ISSUER. */
export function accountCallbackUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/account/callback`;
}
