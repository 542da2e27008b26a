import { decodeUnpaddedBase64 } from './encoded-bytes.js';
import { parseCount, refuse, type PasswordFormat } from './password-format.js';
import { pbkdf2IterationsProblem, verifyPbkdf2Sha256 } from './pbkdf2-sha256-work.js';

const STRING = /^\$pbkdf2-sha256\$([0-9]+)\$([^$]+)\$([^$]+)$/;

/**
 * PBKDF2-HMAC-SHA256 as passlib writes it: `$pbkdf2-sha256$<iterations>$<salt>$<hash>`, salt and hash in
 * passlib's adapted base64 (`.` for `+`, unpadded). The salt is used as the decoded bytes.
 */
export const passlibPbkdf2Sha256Format: PasswordFormat = {
  name: 'pbkdf2-sha256',
  claims: (stored) => stored.startsWith('$pbkdf2-sha256$'),
  parse(stored) {
    const match = STRING.exec(stored);
    if (!match) return refuse('malformed pbkdf2-sha256 hash: expected $pbkdf2-sha256$<iterations>$<salt>$<hash>');
    const iterations = parseCount(match[1]);
    const problem = pbkdf2IterationsProblem(iterations);
    if (problem) return refuse(`pbkdf2-sha256 hash: ${problem}`);
    const salt = decodeUnpaddedBase64(match[2]!);
    const hash = decodeUnpaddedBase64(match[3]!);
    if (!salt || salt.length === 0 || salt.length > 1024) return refuse('malformed pbkdf2-sha256 hash: the salt must be adapted base64 (1-1024 bytes)');
    if (!hash || hash.length < 16 || hash.length > 64) return refuse('malformed pbkdf2-sha256 hash: the hash must be 16-64 bytes of adapted base64');
    return { ok: true, format: 'pbkdf2-sha256', verify: (password) => verifyPbkdf2Sha256(password, salt, iterations!, hash) };
  },
};
