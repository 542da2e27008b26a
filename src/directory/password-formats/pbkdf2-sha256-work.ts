import { pbkdf2, timingSafeEqual } from 'node:crypto';

/**
 * The most PBKDF2-SHA256 iterations taken from a stored hash. Django 5 uses 870,000–1,200,000 and OWASP
 * recommends 600,000; ten million is some seconds of one thread-pool thread per attempt, and no more.
 */
export const PBKDF2_MAX_ITERATIONS = 10_000_000;

/** Why an iteration count is refused, or null. */
export function pbkdf2IterationsProblem(iterations: number | undefined): string | null {
  if (iterations === undefined || iterations < 1) return 'the iteration count must be a positive integer';
  if (iterations > PBKDF2_MAX_ITERATIONS) return `asks for too much work (${iterations} iterations; at most ${PBKDF2_MAX_ITERATIONS})`;
  return null;
}

/** Derives on the thread pool and compares in constant time (the stored length is no secret). */
export function verifyPbkdf2Sha256(password: string, salt: Buffer, iterations: number, expected: Buffer): Promise<boolean> {
  return new Promise((resolve, reject) => {
    pbkdf2(password, salt, iterations, expected.length, 'sha256', (error, derived) => (error ? reject(error) : resolve(timingSafeEqual(derived, expected))));
  });
}
