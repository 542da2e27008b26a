import type { Context, Next } from 'koa';
import type { z } from 'zod';
import { InvalidRequestError, UnsupportedMediaTypeError, type FieldProblem } from '../errors/app-error.js';
import { readRawBody } from './raw-body.js';
import { assertWellFormedJson, decodeUtf8, part } from './malformed-input.js';
import { FORM_LIMIT_BYTES, parseFormText, readForm } from './read-form.js';

/** Where a route's raw input comes from, before its schema types it. */
export type InputSource = (ctx: Context) => Promise<unknown>;

/** The context a handler sees after {@link validate}: `ctx.input` is the schema's output type. */
export interface WithInput<T> {
  input: T;
}

/** A urlencoded form body (repeated fields refused). */
export const formBody = (limit = FORM_LIMIT_BYTES): InputSource => (ctx) => readForm(ctx, limit);

/** The query string, by the same rules as a form (repeated parameters refused). */
export const queryString: InputSource = async (ctx) => parseFormText(ctx.querystring);

/** A JSON object or a urlencoded form; an empty body is `{}`. Malformed text is refused as in forms. */
export const jsonOrFormBody = (limit: number): InputSource => async (ctx) => {
  const raw = decodeUtf8(await readRawBody(ctx.req, limit), part('body', 'the body'));
  if (raw.trim() === '') return {};
  if (ctx.is('application/json')) return parseJsonText(raw);
  if (ctx.is('application/x-www-form-urlencoded')) return parseFormText(raw);
  throw new UnsupportedMediaTypeError('application/json or application/x-www-form-urlencoded');
};

/** A JSON body's text, parsed and checked like every other input (control characters, depth); 400 when not JSON. */
export function parseJsonText(raw: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidRequestError('the body is not valid JSON', [{ path: 'body', message: 'not JSON' }]);
  }
  assertWellFormedJson(parsed);
  return parsed;
}

/** zod issues as field problems, paths written as the client wrote the fields. */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || 'body', message: issue.message }));
}

/**
 * The typed-input step of a route's chain (style rule 2): reads the raw input from `source`, parses it with
 * `schema`, and puts the result on `ctx.input`. Handlers read only `ctx.input`. A failure is an
 * InvalidRequestError listing every problem, rendered by the route's error surface.
 */
export function validate<S extends z.ZodType>(schema: S, source: InputSource) {
  return async function validateInput(ctx: Context & Partial<WithInput<z.output<S>>>, next: Next): Promise<void> {
    const parsed = schema.safeParse(await source(ctx));
    if (!parsed.success) {
      const problems = fieldProblems(parsed.error);
      throw new InvalidRequestError(problems.map((p) => `${p.path}: ${p.message}`).join('; ').slice(0, 500), problems);
    }
    ctx.input = parsed.data;
    await next();
  };
}
