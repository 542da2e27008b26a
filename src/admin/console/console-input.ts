import type { InputSource } from '../../http/validate.js';
import { parseFormText, readForm } from '../../http/read-form.js';

/**
 * The console's input sources: a route's path parameters together with its form body or its query string,
 * so one schema types everything a handler reads (`ctx.input`). Path parameters win over a field of the
 * same name: a form cannot retarget the page it was posted to.
 */
export const pathParams: InputSource = async (ctx) => ({ ...(ctx.params as Record<string, string>) });

/** Path parameters and the urlencoded form (repeated fields refused, as everywhere). */
export const formWithParams: InputSource = async (ctx) => ({ ...(await readForm(ctx)), ...(ctx.params as Record<string, string>) });

/** Path parameters and the query string, by the form's rules. */
export const queryWithParams: InputSource = async (ctx) => ({ ...parseFormText(ctx.querystring), ...(ctx.params as Record<string, string>) });
