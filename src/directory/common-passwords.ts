import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The list ships in `resources/` at the package root (see resources/README.md for its source and licence). */
const FILE_NAME = 'common-passwords.txt';

/** Finds `resources/common-passwords.txt` at the package root, from `src/directory` or `dist/src/directory`. */
export function defaultCommonPasswordsFile(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i += 1) {
    const candidate = join(dir, 'resources', FILE_NAME);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`resources/${FILE_NAME} not found`);
}

/** The form a password is compared in: NFKC (so compatibility variants such as full-width letters match), lower case. */
export function commonPasswordKey(password: string): string {
  return password.normalize('NFKC').toLowerCase();
}

/** Parses the list: one password per line; blank lines are skipped, nothing else is trimmed (spaces can matter). */
export function parseCommonPasswords(text: string): ReadonlySet<string> {
  const set = new Set<string>();
  for (const line of text.split(/\r?\n/)) if (line !== '') set.add(commonPasswordKey(line));
  return set;
}

// Read at the first check rather than at import, so importing the directory costs nothing (and a CLI command
// that sets no password never reads the file). The list is immutable data, so one copy per process is shared.
let loaded: ReadonlySet<string> | undefined;

/** The shipped list, read and parsed once per process at first use. */
export function commonPasswords(): ReadonlySet<string> {
  loaded ??= parseCommonPasswords(readFileSync(defaultCommonPasswordsFile(), 'utf8'));
  return loaded;
}
