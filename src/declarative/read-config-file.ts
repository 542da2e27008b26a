import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { FieldProblem } from '../errors/app-error.js';
import { sha256Hex } from '../lib/hashing.js';
import { configDocumentSchema, type ConfigDocument } from './config-document.schema.js';
import { ConfigFileError } from './config-file-error.js';
import { formatConfigPath } from './config-path.js';

/** The largest configuration file read: far beyond any real one, well short of a memory problem. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Parses configuration text (YAML, of which JSON is a subset) and checks it against the schema. Every
 * problem is collected, each at its place (`clients.web.redirectUris[0]`, or a line and column for a syntax
 * error), and thrown together as a ConfigFileError naming `file`.
 */
export function parseConfigText(text: string, file: string): ConfigDocument {
  // Duplicate keys are errors (the later one would silently win); aliases are bounded against expansion bombs.
  const lines = new LineCounter();
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter: lines });
  if (document.errors.length > 0) {
    throw new ConfigFileError(file, document.errors.map((error) => {
      const at = lines.linePos(error.pos[0]);
      return { path: `line ${at.line}, column ${at.col}`, message: error.message.split('\n')[0]! };
    }));
  }
  const value: unknown = document.toJS({ maxAliasCount: 100 }) ?? {};
  const parsed = configDocumentSchema.safeParse(value);
  if (!parsed.success) {
    const problems: FieldProblem[] = parsed.error.issues.map((issue) => ({ path: formatConfigPath(issue.path), message: issue.message }));
    throw new ConfigFileError(file, problems);
  }
  return parsed.data;
}

/** A configuration file read and checked: its document and the SHA-256 of its bytes (which version was applied). */
export interface ConfigFile {
  file: string;
  document: ConfigDocument;
  digest: string;
}

/** Reads and checks the configuration file at `file` (see parseConfigText). */
export function readConfigFile(file: string, read: (path: string) => Buffer = readFileSync): ConfigFile {
  let bytes: Buffer;
  try {
    bytes = read(file);
  } catch (error) {
    throw new ConfigFileError(file, [{ path: '(file)', message: `cannot be read (${(error as { code?: string }).code ?? 'error'})` }]);
  }
  if (bytes.length > MAX_FILE_BYTES) throw new ConfigFileError(file, [{ path: '(file)', message: `is larger than ${MAX_FILE_BYTES} bytes` }]);
  return { file, document: parseConfigText(bytes.toString('utf8'), file), digest: sha256Hex(bytes.toString('utf8')) };
}
