import argon2 from 'argon2';
import { decodeUnpaddedBase64 } from './encoded-bytes.js';
import { parseCount, refuse, type PasswordFormat } from './password-format.js';

/** The largest argon2id parameters a stored hash may ask for: 256 MiB, 16 passes, 16 lanes. */
export const ARGON2ID_LIMITS = Object.freeze({ memoryKiB: 262_144, timeCost: 16, parallelism: 16 });

const PHC = /^\$argon2id\$v=19\$m=([0-9]+),t=([0-9]+),p=([0-9]+)\$([^$]+)\$([^$]+)$/;

/**
 * argon2id in the PHC string format (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`, unpadded base64), what
 * Latchkey writes and what most argon2 libraries write. Only version 19 (1.3) is taken; argon2i and argon2d
 * are not argon2id and are refused as unknown.
 */
export const argon2idFormat: PasswordFormat = {
  name: 'argon2id',
  claims: (stored) => stored.startsWith('$argon2id$'),
  parse(stored) {
    const match = PHC.exec(stored);
    if (!match) return refuse('malformed argon2id hash: expected $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>');
    const [memory, time, lanes] = [parseCount(match[1]), parseCount(match[2]), parseCount(match[3])];
    if (memory === undefined || time === undefined || lanes === undefined || time < 1 || lanes < 1 || memory < 8 * lanes) {
      return refuse('malformed argon2id hash: m, t and p must be positive integers with m >= 8p');
    }
    if (memory > ARGON2ID_LIMITS.memoryKiB || time > ARGON2ID_LIMITS.timeCost || lanes > ARGON2ID_LIMITS.parallelism) {
      return refuse(`argon2id hash asks for too much work (at most m=${ARGON2ID_LIMITS.memoryKiB}, t=${ARGON2ID_LIMITS.timeCost}, p=${ARGON2ID_LIMITS.parallelism})`);
    }
    const salt = decodeUnpaddedBase64(match[4]!);
    const hash = decodeUnpaddedBase64(match[5]!);
    if (!salt || salt.length < 8 || salt.length > 64) return refuse('malformed argon2id hash: the salt must be 8-64 bytes of unpadded base64');
    if (!hash || hash.length < 16 || hash.length > 64) return refuse('malformed argon2id hash: the hash must be 16-64 bytes of unpadded base64');
    return {
      ok: true,
      format: 'argon2id',
      verify: (password) => argon2.verify(stored, password).catch(() => false),
    };
  },
};
