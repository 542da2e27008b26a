import { createHmac, randomBytes } from 'node:crypto';
import { deriveKeys } from '../../lib/hashing.js';
import { padHex } from '../../lib/srp/pad-hex.js';
import { powG } from '../../lib/srp/srp-group.js';

/**
 * What USER_SRP_AUTH answers for a name with no account, or an account with no verifier yet: a SALT and a
 * USER_ID_FOR_SRP that stay the same for that name across requests (a real user's do too), and an SRP_B made
 * with a random stand-in verifier (a real B changes every time anyway). The answer then fails as a wrong
 * password does, so a probe cannot tell which names have accounts.
 */
export interface SrpStandIn {
  salt(name: string): string;
  /** A UUID-shaped stand-in for `sub`. */
  userIdForSrp(name: string): string;
  verifier(): bigint;
}

export function createSrpStandIn(secrets: readonly string[]): SrpStandIn {
  // The first secret only: a rotation changes the stand-ins, as a re-derived verifier changes a real salt.
  const key = deriveKeys(secrets, 'srp-stand-in v1')[0]!;
  const mac = (label: string, name: string) => createHmac('sha256', key).update(`${label}\u0000${name}`, 'utf8').digest();
  return {
    salt: (name) => padHex(BigInt(`0x${mac('salt', name).subarray(0, 16).toString('hex')}`)),
    userIdForSrp(name) {
      const bytes = mac('user', name).subarray(0, 16);
      bytes[6] = (bytes[6]! & 0x0f) | 0x40;
      bytes[8] = (bytes[8]! & 0x3f) | 0x80;
      const hex = bytes.toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
    // g^random, as a real verifier is g^x: the same cost and the same kind of number.
    verifier: () => powG(BigInt(`0x${randomBytes(32).toString('hex')}`) | 1n),
  };
}
