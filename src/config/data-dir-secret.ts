import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MIN_LENGTH = 32;

/**
 * Reads the secret kept in the data directory, creating it (mode 0600) on first use. Only for the
 * embedded database outside production: `loadConfig` refuses the other cases. The file is created
 * atomically with its content (temporary file, then `link`), so a concurrent first start never reads a
 * half-written secret. Returns whether it was generated, so the caller can warn.
 */
export function readOrCreateDataDirSecret(dataDir: string): { secret: string; generated: boolean } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'secret');
  const existing = readSecret(file);
  if (existing) return { secret: existing, generated: false };
  const secret = randomBytes(32).toString('base64url');
  const temp = join(dataDir, `.secret.${process.pid}.${randomBytes(4).toString('hex')}`);
  writeFileSync(temp, `${secret}\n`, { mode: 0o600 });
  try {
    linkSync(temp, file);
    return { secret, generated: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = readSecret(file); // another process created it first: use theirs
    if (!winner) throw new Error(`${file} exists but holds no usable secret (at least ${MIN_LENGTH} characters); remove it or set LATCHKEY_SECRET`, { cause: error });
    return { secret: winner, generated: false };
  } finally {
    rmSync(temp, { force: true });
  }
}

function readSecret(file: string): string | null {
  try {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length >= MIN_LENGTH) return secret;
    throw new Error(`${file} holds a secret shorter than ${MIN_LENGTH} characters; remove it or set LATCHKEY_SECRET`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
