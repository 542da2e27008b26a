import type { Context } from 'koa';
import { InvalidRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors/app-error.js';

/** Hosted-UI forms are small; 16 KiB leaves room for declared custom attributes and nothing more. */
export const FORM_LIMIT_BYTES = 16 * 1024;

/**
 * Reads an `application/x-www-form-urlencoded` body with a size limit. Repeated fields are refused rather
 * than silently picking one (parameter pollution), and only string fields come out.
 */
export async function readForm(ctx: Context, limit = FORM_LIMIT_BYTES): Promise<Record<string, string>> {
  if (!ctx.is('application/x-www-form-urlencoded')) throw new UnsupportedMediaTypeError('application/x-www-form-urlencoded');
  const declared = Number(ctx.get('content-length') || '0');
  if (declared > limit) throw new PayloadTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new PayloadTooLargeError(limit);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const params = new URLSearchParams(text);
  const form: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of params) {
    if (key in form) throw new InvalidRequestError(`field "${key.slice(0, 64)}" sent more than once`);
    form[key] = value;
  }
  return form;
}
