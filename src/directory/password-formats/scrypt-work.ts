import { scrypt } from 'node:crypto';

/**
 * Bounds on scrypt parameters taken from a stored hash (plain scrypt and Firebase's variant). scrypt's
 * memory is 128·N·r bytes and its work grows with N·r·p: N = 2^20 is refused outright beyond, and so is a
 * combination that needs over 256 MiB or more work than N = 2^20, r = 16, p = 1, whatever N alone says.
 */
export const SCRYPT_LIMITS = Object.freeze({ maxLog2N: 20, maxR: 32, maxP: 16, maxMemoryBytes: 256 * 1024 * 1024, maxWork: 2 ** 24 });

export interface ScryptCost {
  log2N: number;
  r: number;
  p: number;
}

/** Why these parameters are refused, or null when they are within the bounds. */
export function scryptCostProblem(cost: ScryptCost): string | null {
  const { log2N, r, p } = cost;
  if (log2N < 1 || r < 1 || p < 1) return 'N must be at least 2, r and p at least 1';
  if (log2N > SCRYPT_LIMITS.maxLog2N || r > SCRYPT_LIMITS.maxR || p > SCRYPT_LIMITS.maxP) {
    return `asks for too much work (at most N=2^${SCRYPT_LIMITS.maxLog2N}, r=${SCRYPT_LIMITS.maxR}, p=${SCRYPT_LIMITS.maxP})`;
  }
  const n = 2 ** log2N;
  if (128 * n * r > SCRYPT_LIMITS.maxMemoryBytes) return `asks for too much memory (128·N·r over ${SCRYPT_LIMITS.maxMemoryBytes / 1024 / 1024} MiB)`;
  if (n * r * p > SCRYPT_LIMITS.maxWork) return 'asks for too much work (N·r·p over 2^24)';
  return null;
}

/** scrypt on the thread pool, with `maxmem` just above what the bounded parameters need. */
export function deriveScrypt(password: string | Buffer, salt: Buffer, cost: ScryptCost, length: number): Promise<Buffer> {
  const n = 2 ** cost.log2N;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, { N: n, r: cost.r, p: cost.p, maxmem: 128 * n * cost.r + 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}
