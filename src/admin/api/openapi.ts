import { z } from 'zod';
import type { AdminRoute } from './admin-route.js';
import { ADMIN_API_PREFIX } from './admin-router.js';
import { errorSchema } from './common.schema.js';
import { ADMIN_READ_SCOPE, ADMIN_SCOPE } from './admin-auth.js';

type JsonSchema = Record<string, unknown>;

/** A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), as a request (`input`) or response (`output`) reads it. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const generated = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  delete generated.$schema;
  return generated;
}

const ERROR_TEXT: Record<number, string> = {
  400: 'invalid input (`invalid_request`, with `details` per field)',
  401: 'no access token, or an invalid, expired or revoked one (`invalid_token`)',
  403: 'the token lacks the scope (`insufficient_scope`), or its user is not in the admin group (`not_an_administrator`)',
  404: 'no such resource (`not_found`)',
  409: 'conflicts with the current state (`conflict`)',
  413: 'the body is too large (`payload_too_large`)',
  415: 'the body is not JSON (`unsupported_media_type`)',
};

function parameters(schema: z.ZodObject | undefined, location: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (object.required ?? []).includes(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}

/** Koa's `/users/:user` as OpenAPI's `/users/{user}`. */
export function openApiPath(path: string): string {
  return `${ADMIN_API_PREFIX}${path.replace(/:(\w+)/g, '{$1}')}`;
}

/**
 * The OpenAPI 3.1 document of the admin API, generated from the same route table and zod schemas the router
 * validates with, so a route cannot exist undocumented nor answer outside its documented shape.
 */
export function buildOpenApiDocument(routes: readonly AdminRoute[], options: { issuer: string; version: string; productName: string }): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const errors = [...new Set([401, 403, ...(route.params || route.query || route.body ? [400] : []), ...(route.body || route.upload ? [413, 415] : []), ...(route.errors ?? [])])].sort();
    const operation: JsonSchema = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      security: [{ bearer: [] }, { oauth2: [route.access === 'write' ? ADMIN_SCOPE : ADMIN_READ_SCOPE] }],
      parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } } : {}),
      ...(route.upload ? { requestBody: { required: true, description: route.upload.description, content: Object.fromEntries(route.upload.mediaTypes.map((type) => [type, { schema: { type: 'string' } }])) } } : {}),
      responses: {
        [String(route.status)]: route.response
          ? { description: 'success', content: { 'application/json': { schema: jsonSchema(route.response, 'output') } } }
          : route.download
            ? { description: route.download.description, content: Object.fromEntries(route.download.mediaTypes.map((type) => [type, { schema: { type: 'string' } }])) }
            : { description: 'success, no body' },
        ...Object.fromEntries(errors.map((status) => [String(status), { description: ERROR_TEXT[status] ?? 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }])),
      },
    };
    (paths[openApiPath(route.path)] ??= {})[route.method] = operation;
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: `${options.productName} admin API`,
      version: options.version,
      description: 'Manage the user pool, clients, the identity pool and the audit log. Every request needs a bearer access token '
        + `with the "${ADMIN_SCOPE}" scope (read and write) or "${ADMIN_READ_SCOPE}" (read only), from a client granted it (client `
        + 'credentials) or from a signed-in member of the admin group. Errors share one JSON shape with stable codes.',
    },
    servers: [{ url: options.issuer }],
    paths,
    components: {
      schemas: { Error: jsonSchema(errorSchema, 'output') },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        oauth2: {
          type: 'oauth2',
          flows: { clientCredentials: { tokenUrl: `${options.issuer}/token`, scopes: { [ADMIN_SCOPE]: 'read and change everything', [ADMIN_READ_SCOPE]: 'read only' } } },
        },
      },
    },
  };
}
