import type * as Bcrypt from 'bcryptjs';
import { refuse, type PasswordFormat } from './password-format.js';

/**
 * The highest bcrypt cost taken from a stored hash. bcryptjs runs on the main thread (in slices, so other
 * requests still interleave); cost 15 is about two seconds of CPU per attempt, and each step doubles it.
 */
export const BCRYPT_MAX_COST = 15;

// Loaded with the first imported bcrypt hash checked, not at start: most pools never hold one.
let library: Promise<typeof Bcrypt> | undefined;
const bcryptjs = () => library ??= import('bcryptjs');

const MODULAR = /^\$2[aby]\$([0-9]{2})\$[./A-Za-z0-9]{53}$/;

/**
 * bcrypt in the modular crypt format (`$2a$`, `$2b$`, `$2y$`: the three mean the same for passwords of valid
 * UTF-8), as written by OpenBSD, PHP, Auth0, Okta and most web frameworks. Like every bcrypt, only the first
 * 72 bytes of a password count.
 */
export const bcryptFormat: PasswordFormat = {
  name: 'bcrypt',
  claims: (stored) => /^\$2[aby]\$/.test(stored),
  parse(stored) {
    const match = MODULAR.exec(stored);
    if (!match) return refuse('malformed bcrypt hash: expected $2b$<cost>$<22 characters of salt><31 of hash>');
    const cost = Number(match[1]);
    if (cost < 4) return refuse('malformed bcrypt hash: the cost must be at least 04');
    if (cost > BCRYPT_MAX_COST) return refuse(`bcrypt hash asks for too much work (cost ${cost}; at most ${BCRYPT_MAX_COST})`);
    return { ok: true, format: 'bcrypt', verify: async (password) => (await bcryptjs()).default.compare(password, stored).catch(() => false) };
  },
};
