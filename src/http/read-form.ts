import type { Context } from 'koa';
import { InvalidRequestError, UnsupportedMediaTypeError } from '../errors/app-error.js';
import { parseUniqueForm } from './form-body.js';
import { readRawBody } from './raw-body.js';

/** Hosted-UI forms are small; 16 KiB leaves room for declared custom attributes and nothing more. */
export const FORM_LIMIT_BYTES = 16 * 1024;

/**
 * Reads an `application/x-www-form-urlencoded` body with a size limit. Repeated fields are refused rather
 * than silently picking one (parameter pollution), and only string fields come out. This is the one form
 * reader: hosted pages, the STS endpoints and the typed-input step all go through it.
 */
export async function readForm(ctx: Context, limit = FORM_LIMIT_BYTES): Promise<Record<string, string>> {
  if (!ctx.is('application/x-www-form-urlencoded')) throw new UnsupportedMediaTypeError('application/x-www-form-urlencoded');
  return parseFormText((await readRawBody(ctx.req, limit)).toString('utf8'));
}

/** Parses form text with the same rules as {@link readForm} (for a body already read, or a query string). */
export function parseFormText(text: string): Record<string, string> {
  const parsed = parseUniqueForm(text);
  if ('duplicate' in parsed) throw new InvalidRequestError(`field "${parsed.duplicate}" sent more than once`, [{ path: parsed.duplicate, message: 'sent more than once' }]);
  return parsed.form;
}
