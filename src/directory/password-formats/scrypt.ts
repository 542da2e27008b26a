import { timingSafeEqual } from 'node:crypto';
import { decodeUnpaddedBase64 } from './encoded-bytes.js';
import { parseCount, refuse, type PasswordFormat } from './password-format.js';
import { deriveScrypt, scryptCostProblem } from './scrypt-work.js';

const STRING = /^\$scrypt\$ln=([0-9]+),r=([0-9]+),p=([0-9]+)\$([^$]*)\$([^$]+)$/;

/**
 * Plain scrypt (RFC 7914) as a self-describing string, the layout passlib writes:
 *
 *     $scrypt$ln=<log2 N>,r=<block size>,p=<parallelism>$<salt>$<hash>
 *
 * Salt and hash are unpadded base64, in the standard alphabet or passlib's adapted one (`.` for `+`). The
 * password is its UTF-8 bytes; the derived key is as long as the stored hash (16-128 bytes). Parameters are
 * bounded by SCRYPT_LIMITS.
 */
export const scryptFormat: PasswordFormat = {
  name: 'scrypt',
  claims: (stored) => stored.startsWith('$scrypt$'),
  parse(stored) {
    const match = STRING.exec(stored);
    if (!match) return refuse('malformed scrypt hash: expected $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>');
    const [log2N, r, p] = [parseCount(match[1]), parseCount(match[2]), parseCount(match[3])];
    if (log2N === undefined || r === undefined || p === undefined) return refuse('malformed scrypt hash: ln, r and p must be integers');
    const problem = scryptCostProblem({ log2N, r, p });
    if (problem) return refuse(`scrypt hash ${problem}`);
    const salt = decodeUnpaddedBase64(match[4]!);
    const hash = decodeUnpaddedBase64(match[5]!);
    if (!salt || salt.length > 1024) return refuse('malformed scrypt hash: the salt must be unpadded base64 (at most 1024 bytes)');
    if (!hash || hash.length < 16 || hash.length > 128) return refuse('malformed scrypt hash: the hash must be 16-128 bytes of unpadded base64');
    return {
      ok: true,
      format: 'scrypt',
      async verify(password) {
        const derived = await deriveScrypt(password, salt, { log2N, r, p }, hash.length);
        return timingSafeEqual(derived, hash);
      },
    };
  },
};
