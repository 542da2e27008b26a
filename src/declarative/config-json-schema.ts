import { z } from 'zod';
import { configDocumentSchema } from './config-document.schema.js';

/** Where the generated schema is committed, relative to the package root (editors and CI read it there). */
export const CONFIG_SCHEMA_PATH = 'resources/latchkey-config.schema.json';

/**
 * The JSON Schema of the configuration file, generated from its zod schema (the input side: a field with a
 * default may be left out). Editors use it for completion (`# yaml-language-server: $schema=…`); the checks
 * the services make (redirect URIs, names, references) are only in Latchkey's own validation.
 */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configDocumentSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
}

/** The schema as committed: two-space JSON with a final newline. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
