import type { PasskeyProof } from '../../directory/passkeys/passkey-service.js';

/**
 * What a verified passkey adds to the ID token's `amr` (RFC 8176):
 * - `hwk` (proof of possession of a hardware-secured key) for a single-device credential, `swk` (a software-
 *   secured key) for a multi-device one, which the platform may copy to the user's other devices through its
 *   sync service: a synced key is not bound to one piece of hardware, and the app is not told it is;
 * - `user` (a test of user presence), which every assertion Latchkey accepts carries (the UP flag).
 * The caller adds `mfa` where the sign-in used two factors: a password and a passkey, or a passkey whose
 * authenticator verified the user (PIN or biometric: something the user knows or is, besides the key they
 * have). RFC 8176 has no value for "PIN or biometric, unknown which", so none is claimed beyond `mfa`.
 */
export function passkeyAmr(proof: Pick<PasskeyProof, 'deviceType'>): string[] {
  return [proof.deviceType === 'singleDevice' ? 'hwk' : 'swk', 'user'];
}

/** The script the passkey buttons need (served from our origin; the page's CSP then allows it). */
export const PASSKEY_SCRIPTS: readonly string[] = ['/static/passkey.js'];
