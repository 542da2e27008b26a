import type { Context } from 'koa';
import { InvalidRequestError, UnsupportedMediaTypeError } from '../errors/app-error.js';
import { parseUniqueForm } from './form-body.js';
import { readRawBody } from './raw-body.js';

/** Hosted-UI forms are small; 16 KiB leaves room for declared custom attributes and nothing more. */
export const FORM_LIMIT_BYTES = 16 * 1024;

/**
 * Reads an `application/x-www-form-urlencoded` body with a size limit. Repeated fields are refused rather
 * than silently picking one (parameter pollution), and only string fields come out.
 */
export async function readForm(ctx: Context, limit = FORM_LIMIT_BYTES): Promise<Record<string, string>> {
  if (!ctx.is('application/x-www-form-urlencoded')) throw new UnsupportedMediaTypeError('application/x-www-form-urlencoded');
  const parsed = parseUniqueForm((await readRawBody(ctx.req, limit)).toString('utf8'));
  if ('duplicate' in parsed) throw new InvalidRequestError(`field "${parsed.duplicate}" sent more than once`);
  return parsed.form;
}
