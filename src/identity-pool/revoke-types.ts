import { sha256Hex } from '../lib/hashing.js';

/*
 * MinIO stores the TokenRevokeType given to AssumeRole in the credential and revokes, for one parent user, the
 * credentials whose tag equals the one named (`revoke-tokens/builtin`); it places no limit on the tag's form.
 * Latchkey tags each credential with its user and the grant whose access token bought it, so a logout can
 * revoke one grant's credentials and a user-wide sign-out every tag the user holds.
 */

/**
 * The per-user tag: what every credential carried before per-grant tags, and so what a user-wide revocation
 * still revokes for issuances recorded without a tag.
 */
export function userRevokeType(userId: string): string {
  return `u:${userId}`;
}

/**
 * The tag of credentials minted through one grant. The grant id is hashed: the tag travels inside the session
 * token, which its holder can read, and 128 bits keep it short (73 characters) without collisions.
 */
export function grantRevokeType(userId: string, grantId: string): string {
  return `u:${userId}:g:${sha256Hex(grantId).slice(0, 32)}`;
}
