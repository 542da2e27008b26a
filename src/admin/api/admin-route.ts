import type { Readable } from 'node:stream';
import type { z } from 'zod';
import type { AuditDetail } from '../../audit/audit-event.js';
import type { AdminAccess } from '../../directory/admin-members.js';

/** Who is calling the admin API, as the bearer step proved it. */
export interface AdminCaller {
  /** `admin` may change; `read` (scope `admin:read`, or a read-only member) may only look. */
  access: AdminAccess;
  kind: 'client' | 'user';
  /** The client id (client credentials) or the user id (a member of the admin group). */
  id: string;
  clientId: string;
}

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

type AnyObject = z.ZodObject;

/** What a handler receives: the typed parts of the request and the caller. */
export interface AdminRequest<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  caller: AdminCaller;
  /** A streamed body (routes with `upload`): read as it arrives, never buffered whole. */
  upload: { stream: Readable; mediaType: string } | undefined;
  /** Facts the handler adds to the audit event of a read (`include_hashes` on an export). */
  auditDetails: Record<string, AuditDetail>;
}

/** What a `download` route returns: a media type and a stream, sent as it is produced. */
export interface Download {
  mediaType: string;
  stream: Readable;
  filename: string;
}

/**
 * One admin operation, declared once: the router builds its chain from it (error surface → bearer → access →
 * validate → handler → present) and the OpenAPI document its description, so the two cannot drift apart.
 */
export interface AdminRoute<P extends AnyObject | undefined = AnyObject | undefined, Q extends AnyObject | undefined = AnyObject | undefined, B extends z.ZodType | undefined = z.ZodType | undefined, R extends z.ZodType | null = z.ZodType | null> {
  method: HttpMethod;
  /** Koa-style path under `/admin/v1` (`/users/:id`). */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** `write` needs full admin access; `read` accepts `admin:read`. */
  access: 'read' | 'write';
  params?: P;
  query?: Q;
  body?: B;
  /** The success status and body schema (null: no body, 204). */
  status: number;
  response: R;
  /** The body is a stream of one of these media types, at most `maxBytes` (an import file), instead of JSON. */
  upload?: { mediaTypes: readonly string[]; maxBytes: number; description: string };
  /** The answer is a stream of one of these media types (the handler returns a Download), instead of JSON. */
  download?: { mediaTypes: readonly string[]; description: string };
  /** Error codes this operation may answer besides the common ones (documented in OpenAPI). */
  errors?: readonly number[];
  handle(request: AdminRequest<P extends AnyObject ? z.output<P> : undefined, Q extends AnyObject ? z.output<Q> : undefined, B extends z.ZodType ? z.output<B> : undefined>): Promise<R extends z.ZodType ? z.input<R> : void | Download>;
}

/** Declares a route with its types inferred from its schemas. */
export function adminRoute<P extends AnyObject | undefined = undefined, Q extends AnyObject | undefined = undefined, B extends z.ZodType | undefined = undefined, R extends z.ZodType | null = null>(route: AdminRoute<P, Q, B, R>): AdminRoute {
  return route;
}
