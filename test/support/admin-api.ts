import * as oidc from 'openid-client';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import type { TestServer } from './test-server.js';
import { discover } from './harness.js';
import { PASSWORD } from './fixtures.js';
import { openLoginPage, signInToCallback } from './flows.js';
import { UserAgent } from './user-agent.js';

export interface AdminAnswer {
  status: number;
  body: unknown;
  headers: Headers;
}

type OpenApi = { paths: Record<string, Record<string, { responses: Record<string, { content?: { 'application/json': { schema: object } } }> }>>; components: { schemas: Record<string, object> } };

/**
 * Calls the admin API and checks every answer against the OpenAPI document the server publishes: the path
 * and method are documented, the status is one the operation lists, and the body validates against that
 * status's schema (JSON Schema 2020-12, by Ajv, independent of the zod schemas the server generated it from).
 */
export class AdminApiClient {
  private validators = new Map<string, (body: unknown) => boolean>();
  private document: OpenApi | undefined;
  private ajv = (() => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    return ajv;
  })();

  private readonly server: TestServer;
  token: string | null;

  constructor(server: TestServer, token: string | null) {
    this.server = server;
    this.token = token;
  }

  async openApi(): Promise<OpenApi> {
    if (!this.document) {
      const response = await fetch(`${this.server.issuer}/admin/v1/openapi.json`);
      expect(response.status).toBe(200);
      this.document = await response.json() as OpenApi;
      this.ajv.addSchema({ $id: 'openapi', components: this.document.components });
    }
    return this.document;
  }

  async call(method: string, path: string, body?: unknown, options: { token?: string | null; contentType?: string; raw?: string } = {}): Promise<AdminAnswer> {
    const token = options.token === undefined ? this.token : options.token;
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined || options.raw !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const response = await fetch(`${this.server.issuer}/admin/v1${path}`, { method: method.toUpperCase(), headers, ...(options.raw !== undefined ? { body: options.raw } : body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await response.text();
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!;
    const parsed: unknown = mediaType === 'application/json' && text ? JSON.parse(text) : text || undefined;
    await this.check(method.toLowerCase(), path, response.status, parsed, mediaType);
    return { status: response.status, body: parsed, headers: response.headers };
  }

  /** Finds the documented operation for a concrete path and validates the answer against it. */
  private async check(method: string, concretePath: string, status: number, body: unknown, mediaType: string): Promise<void> {
    const document = await this.openApi();
    const pathOnly = `/admin/v1${concretePath.split('?')[0]}`;
    const template = Object.keys(document.paths).find((candidate) => new RegExp(`^${candidate.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(pathOnly));
    if (!template || !document.paths[template]![method]) {
      // Undocumented paths must answer 404 or 405 in the error shape.
      expect([404, 405]).toContain(status);
      expect(body).toMatchObject({ error: { code: expect.any(String), request_id: expect.any(String) } });
      return;
    }
    const responses = document.paths[template]![method].responses;
    expect(Object.keys(responses), `${method.toUpperCase()} ${template} answered ${status}, which it does not document`).toContain(String(status));
    const content = responses[String(status)]!.content as Record<string, { schema: object }> | undefined;
    if (content && !content['application/json']) {
      // A download: the media type must be one the operation documents.
      expect(Object.keys(content), `${method.toUpperCase()} ${template} ${status}`).toContain(mediaType);
      return;
    }
    const schema = content?.['application/json']?.schema;
    if (!schema) {
      expect(body, `${method.toUpperCase()} ${template} ${status} documents no body`).toBeUndefined();
      return;
    }
    const key = `${method} ${template} ${status}`;
    let validate = this.validators.get(key);
    if (!validate) {
      const resolved = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/')) as object;
      validate = this.ajv.compile(resolved);
      this.validators.set(key, validate);
    }
    const valid = validate(body);
    expect(valid, `${key}: ${JSON.stringify((validate as unknown as { errors: unknown }).errors)} in ${String(JSON.stringify(body)).slice(0, 500)}`).toBe(true);
  }
}

/** An access token from a client-credentials client registered with `scope`. */
export async function clientToken(server: TestServer, scope: string): Promise<{ token: string; clientId: string }> {
  const client = await server.latchkey.services.clients.create({ name: `Admin worker ${scope}`, grantTypes: ['client_credentials'], scope });
  const config = await discover(server, client);
  const tokens = await oidc.clientCredentialsGrant(config, { scope });
  return { token: tokens.access_token, clientId: client.client_id };
}

/** A user's access token for `scope`, through a real sign-in at a client registered with it. */
export async function userToken(server: TestServer, username: string, scope: string, password = PASSWORD): Promise<string> {
  const client = await server.latchkey.services.clients.create({ name: `Admin app ${scope}`, redirectUris: ['http://localhost:8976/callback'], scope });
  const config = await discover(server, client);
  const agent = new UserAgent();
  const { page, verifier } = await openLoginPage(agent, config, { scope });
  const tokens = await oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, username, password)), { pkceCodeVerifier: verifier });
  return tokens.access_token;
}
