import { decodeBase64 } from './encoded-bytes.js';
import { parseCount, refuse, type PasswordFormat } from './password-format.js';
import { pbkdf2IterationsProblem, verifyPbkdf2Sha256 } from './pbkdf2-sha256-work.js';

/** Django's salts are printable ASCII without `$` (its own are 22 alphanumerics). */
const STRING = /^pbkdf2_sha256\$([0-9]+)\$([\x21-\x23\x25-\x7e]{1,128})\$([A-Za-z0-9+/]+={0,2})$/;

/**
 * PBKDF2-HMAC-SHA256 as Django stores it: `pbkdf2_sha256$<iterations>$<salt>$<hash>`. Unlike passlib, the
 * salt is used as its text (UTF-8 bytes), and the hash is padded standard base64 (32 bytes in Django).
 */
export const djangoPbkdf2Sha256Format: PasswordFormat = {
  name: 'pbkdf2-sha256',
  claims: (stored) => stored.startsWith('pbkdf2_sha256$'),
  parse(stored) {
    const match = STRING.exec(stored);
    if (!match) return refuse('malformed Django pbkdf2_sha256 hash: expected pbkdf2_sha256$<iterations>$<salt>$<base64 hash>');
    const iterations = parseCount(match[1]);
    const problem = pbkdf2IterationsProblem(iterations);
    if (problem) return refuse(`Django pbkdf2_sha256 hash: ${problem}`);
    const salt = Buffer.from(match[2]!, 'utf8');
    const hash = decodeBase64(match[3]!);
    if (!hash || hash.length < 16 || hash.length > 64) return refuse('malformed Django pbkdf2_sha256 hash: the hash must be 16-64 bytes of base64');
    return { ok: true, format: 'pbkdf2-sha256', verify: (password) => verifyPbkdf2Sha256(password, salt, iterations!, hash) };
  },
};
