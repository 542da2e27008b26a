import type { Context } from 'koa';
import { InvalidRequestError, UnsupportedMediaTypeError } from '../errors/app-error.js';
import { decodeUtf8, parseStrictForm, part } from './malformed-input.js';
import { readRawBody } from './raw-body.js';

/** Hosted-UI forms are small; 16 KiB leaves room for declared custom attributes and nothing more. */
export const FORM_LIMIT_BYTES = 16 * 1024;

/**
 * Reads an `application/x-www-form-urlencoded` body with a size limit. Repeated fields are refused rather
 * than silently picking one (parameter pollution), and only string fields come out. Malformed text (bytes
 * that are not UTF-8, bad percent-encoding, control characters: see `malformed-input.ts`) is refused with
 * a MalformedInputError before any field is used. This is the one form reader: hosted pages, the STS
 * endpoints and the typed-input step all go through it.
 */
export async function readForm(ctx: Context, limit = FORM_LIMIT_BYTES): Promise<Record<string, string>> {
  if (!ctx.is('application/x-www-form-urlencoded')) throw new UnsupportedMediaTypeError('application/x-www-form-urlencoded');
  return parseFormText(decodeUtf8(await readRawBody(ctx.req, limit), part('body', 'the form')));
}

/** Parses form text with the same rules as {@link readForm} (for a body already read, or a query string). */
export function parseFormText(text: string): Record<string, string> {
  const form: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of parseStrictForm(text)) {
    if (name in form) {
      const field = name.slice(0, 64);
      throw new InvalidRequestError(`field "${field}" sent more than once`, [{ path: field, message: 'sent more than once' }]);
    }
    form[name] = value;
  }
  return form;
}
