/**
 * Who Latchkey is to an authenticator (WebAuthn §5.4.2, §13.4.9). The RP ID is the issuer's host and the
 * expected origin the issuer's origin, both from LATCHKEY_ISSUER alone: a request's Host or X-Forwarded-*
 * headers never decide which site a passkey belongs to, so an assertion made for another site (a phishing
 * origin) or for another RP ID never verifies here.
 */
export interface RelyingParty {
  id: string;
  origin: string;
  name: string;
}

export function relyingPartyFrom(issuer: string, productName: string): RelyingParty {
  const url = new URL(issuer);
  return { id: url.hostname, origin: url.origin, name: productName };
}
