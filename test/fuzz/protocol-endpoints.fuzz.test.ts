import fc from 'fast-check';
import * as oidc from 'openid-client';
import { beforeAll, describe, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI, seedDirectory } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { UserAgent } from '../support/user-agent.js';
import { encodedValue, formText, hostileAuthorization, hostileBody, hostileHeaders, hostilePath, percentEncode, RUNS } from './support/arbitraries.js';
import { createProber, probeRaw, type FuzzRequest, type Tolerate } from './support/probe.js';

/**
 * Property tests over every protocol endpoint: random, oversized, control-character and hostile-Unicode
 * input never yields a 5xx, always an answer within the time limit, and a refused request changes nothing.
 * A failure prints fast-check's seed and the shrunk request; rerun with `LATCHKEY_FUZZ_RUNS` for more cases.
 */
describe(`fuzzing the protocol endpoints (${currentBackend()})`, () => {
  // No object store: /sts answers its documented 503 once a request is otherwise valid.
  const ctx = useTestServer();
  const stsUnavailable: Tolerate = (r) => r.status === 503 && (r.text.includes('sts_unavailable') || r.text.includes('<Code>ServiceUnavailable</Code>'));
  let basic: string;
  let machineBasic: string;
  let clientId: string;
  let tokens: { access: string; refresh: string; id: string };
  let send: ReturnType<typeof createProber>;

  beforeAll(async () => {
    const { services } = ctx.server.latchkey;
    const seeded = await seedDirectory(services);
    clientId = seeded.client.client_id;
    basic = `Basic ${Buffer.from(`${seeded.client.client_id}:${seeded.client.client_secret}`).toString('base64')}`;
    const machine = await services.clients.create({ name: 'Machine', grantTypes: ['client_credentials'], scope: 'sts' });
    machineBasic = `Basic ${Buffer.from(`${machine.client_id}:${machine.client_secret}`).toString('base64')}`;
    const player = await services.clients.create({ name: 'Player', redirectUris: [REDIRECT_URI], scope: 'openid email offline_access sts' });
    const config = await discover(ctx.server, player);
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config, { scope: 'openid email offline_access sts' });
    const grant = await oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, 'alice', PASSWORD)), { pkceCodeVerifier: verifier });
    tokens = { access: grant.access_token, refresh: grant.refresh_token!, id: grant.id_token! };
    send = createProber(ctx.server.url, ctx.server.db);
  });

  const run = <T extends unknown[]>(property: fc.IAsyncProperty<T>) => fc.assert(property, { numRuns: RUNS });
  /** Sometimes a real value (so the request gets further), sometimes hostile text. */
  const realOr = (...real: string[]) => fc.oneof(fc.constantFrom(...real.map(percentEncode)), encodedValue);
  const query = (fields: Record<string, fc.Arbitrary<string>>) => fc.tuple(fc.record(fields, { requiredKeys: [] }), formText(Object.keys(fields), { maxFields: 3 }))
    .map(([known, extra]) => [...Object.entries(known).map(([k, v]) => `${k}=${v}`), extra].filter(Boolean).join('&'));

  it('/token: every grant type, client authentication and body shape', async () => {
    const grantType = fc.constantFrom('authorization_code', 'refresh_token', 'client_credentials', 'password', 'urn:ietf:params:oauth:grant-type:device_code', 'implicit', '');
    const fields = ['grant_type', 'code', 'redirect_uri', 'code_verifier', 'client_id', 'client_secret', 'refresh_token', 'scope', 'resource', 'client_assertion', 'client_assertion_type'];
    const auth = fc.oneof(fc.constant(basic), fc.constant(machineBasic), hostileAuthorization);
    const form = fc.tuple(grantType, query({
      code: realOr('x'), redirect_uri: realOr(REDIRECT_URI), code_verifier: realOr('v'.repeat(43)), refresh_token: realOr(tokens.refresh),
      scope: realOr('openid', 'sts', 'openid sts admin'), resource: realOr(ctx.server.issuer, 'urn:x'), client_id: realOr(clientId),
    })).map(([gt, rest]) => ({ contentType: 'application/x-www-form-urlencoded', body: new Uint8Array(Buffer.from(`grant_type=${gt}&${rest}`)) }));
    await run(fc.asyncProperty(fc.oneof(form, hostileBody(fields)), auth, hostileHeaders, async (body, authorization, headers) => {
      await send({ method: 'POST', target: '/token', headers: { ...headers, authorization }, ...body });
    }));
  });

  it('/auth: the authorization request query (GET) and form (POST)', async () => {
    const params = query({
      client_id: realOr(clientId), response_type: realOr('code', 'token', 'code id_token'), scope: realOr('openid', 'openid offline_access'),
      redirect_uri: realOr(REDIRECT_URI, 'https://evil.example/cb'), state: encodedValue, nonce: encodedValue, code_challenge: realOr('c'.repeat(43)),
      code_challenge_method: realOr('S256', 'plain'), prompt: realOr('login', 'consent', 'none'), login_hint: encodedValue, claims: realOr('{"userinfo":{"email":null}}', '{'),
      request: realOr('a.b.c'), ui_locales: encodedValue, max_age: realOr('0', '-1'), resource: realOr(ctx.server.issuer), response_mode: realOr('form_post', 'jwt'),
    });
    await run(fc.asyncProperty(params, fc.boolean(), hostileHeaders, async (text, post, headers) => {
      await send(post
        ? { method: 'POST', target: '/auth', headers, contentType: 'application/x-www-form-urlencoded', body: new Uint8Array(Buffer.from(text)) }
        : { target: `/auth?${text}`, headers });
    }));
  });

  it('/token/introspection and /token/revocation: tokens, hints and client credentials', async () => {
    const token = realOr(tokens.access, tokens.id, 'a.b.c', `${tokens.access}x`);
    const form = query({ token, token_type_hint: realOr('access_token', 'refresh_token', 'junk'), client_id: realOr(clientId), client_secret: encodedValue })
      .map((text) => ({ contentType: 'application/x-www-form-urlencoded', body: new Uint8Array(Buffer.from(text)) }));
    const auth = fc.oneof(fc.constant(basic), hostileAuthorization);
    await run(fc.asyncProperty(fc.constantFrom('/token/introspection', '/token/revocation'), fc.oneof(form, hostileBody(['token', 'token_type_hint', 'client_id', 'client_secret'])), auth, hostileHeaders,
      async (target, body, authorization, headers) => {
        await send({ method: 'POST', target, headers: { ...headers, authorization }, ...body });
      }));
  });

  it('/me: bearer tokens in the header, the query and the body', async () => {
    const auth = fc.oneof(fc.constant(`Bearer ${tokens.access}`), fc.constant(`Bearer ${tokens.id}`), hostileAuthorization);
    await run(fc.asyncProperty(fc.constantFrom('GET', 'POST'), auth, formText(['access_token', 'claims', 'scope']), hostileBody(['access_token']), hostileHeaders,
      async (method, authorization, q, body, headers) => {
        await send({ method, target: `/me?${q}`, headers: { ...headers, authorization }, ...body });
      }));
  });

  it('/session/end and its confirmation, and pushed authorization requests', async () => {
    const logout = query({ id_token_hint: realOr(tokens.id, 'a.b.c'), post_logout_redirect_uri: realOr('http://localhost:8976/bye'), state: encodedValue, client_id: realOr(clientId), logout_hint: encodedValue, ui_locales: encodedValue });
    const request = fc.oneof(
      logout.map((q): FuzzRequest => ({ target: `/session/end?${q}` })),
      logout.map((q): FuzzRequest => ({ method: 'POST', target: '/session/end', contentType: 'application/x-www-form-urlencoded', body: new Uint8Array(Buffer.from(q)) })),
      hostileBody(['xsrf', 'logout']).map((b): FuzzRequest => ({ method: 'POST', target: '/session/end/confirm', ...b })),
      fc.tuple(hostileBody(['client_id', 'response_type', 'scope', 'redirect_uri', 'code_challenge', 'state', 'request']), fc.oneof(fc.constant(basic), hostileAuthorization))
        .map(([b, authorization]): FuzzRequest => ({ method: 'POST', target: '/request', headers: { authorization }, ...b })),
    );
    await run(fc.asyncProperty(request, hostileHeaders, async (r, headers) => {
      await send({ ...r, headers: { ...headers, ...r.headers } });
    }));
  });

  it('/sts (AWS query protocol) and /sts/credentials', async () => {
    const stsFields = ['Action', 'Version', 'RoleArn', 'RoleSessionName', 'WebIdentityToken', 'DurationSeconds', 'Policy', 'PolicyArns.member.1.arn', 'ProviderId'];
    const stsForm = query({
      Action: realOr('AssumeRoleWithWebIdentity', 'AssumeRole'), Version: realOr('2011-06-15'), RoleArn: realOr('arn:aws:iam::1:role/reader', 'arn:aws:iam::1:role/'),
      RoleSessionName: realOr('alice-laptop'), WebIdentityToken: realOr(tokens.access, 'a.b.c'), DurationSeconds: realOr('900', '1e3', '99999999999'),
    }).map((text) => ({ contentType: 'application/x-www-form-urlencoded', body: new Uint8Array(Buffer.from(text)) }));
    const sts = fc.tuple(fc.oneof(stsForm, hostileBody(stsFields)), fc.constantFrom('/sts', '/sts/'))
      .map(([b, target]): FuzzRequest => ({ method: 'POST', target, ...b }));
    const credentials = fc.tuple(fc.oneof(fc.constant(`Bearer ${tokens.access}`), hostileAuthorization), hostileBody(['role', 'duration_seconds']))
      .map(([authorization, b]): FuzzRequest => ({ method: 'POST', target: '/sts/credentials', headers: { authorization }, ...b }));
    await run(fc.asyncProperty(fc.oneof(sts, credentials), hostileHeaders, async (r, headers) => {
      await send({ ...r, headers: { ...headers, ...r.headers } }, stsUnavailable);
    }));
  });

  it('/jwks, discovery, /healthz, /readyz, /metrics and the stylesheet, with hostile queries, headers and bodies', async () => {
    const path = fc.constantFrom('/jwks', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/healthz', '/readyz', '/metrics', '/static/latchkey.css', '/', '/interaction');
    await run(fc.asyncProperty(fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'), path, formText(['x', 'callback', 'format']), hostileBody(['x']), hostileAuthorization, hostileHeaders,
      async (method, target, q, body, authorization, headers) => {
        await send({ method, target: q ? `${target}?${q}` : target, headers: { ...headers, authorization }, ...body });
      }));
  });

  it('arbitrary paths and methods', async () => {
    const method = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'PROPFIND', 'M-SEARCH', 'get');
    const prefix = fc.constantFrom('', '/auth', '/token', '/interaction', '/session', '/sts', '/admin/v1', '/me', '/jwks', '/.well-known', '/static');
    await run(fc.asyncProperty(method, prefix, hostilePath, formText(['a']), hostileBody(['a']), hostileAuthorization, hostileHeaders,
      async (m, pre, path, q, body, authorization, headers) => {
        await send({ method: m, target: `${pre}${path}${q ? `?${q}` : ''}`, headers: { ...headers, authorization }, ...body }, stsUnavailable);
      }));
  });

  it('raw request lines and Host headers no HTTP client would send', async () => {
    const hostChar = fc.string({ unit: fc.oneof(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }), fc.constantFrom(' ', '\t', '[', ']', ':', '@', '\u00ff')), maxLength: 30 });
    const host = fc.oneof(hostChar, fc.constantFrom('', 'a b', 'exa mple.com:99999', '[::1', '[::1]:3000', 'example.com:65536', 'example.com:', ':80', 'a,b', 'user@host'));
    const target = fc.oneof(
      fc.constantFrom('/', '*', '/.well-known/openid-configuration', 'http://evil.example/jwks', 'https://evil.example:99999/token', 'file:///etc/passwd', '//evil.example/', '/jwks?%00', '/%FF%FE'),
      hostilePath,
    );
    await run(fc.asyncProperty(fc.constantFrom('GET', 'POST', 'OPTIONS'), target, host, fc.boolean(), async (method, t, h, withHost) => {
      const status = await probeRaw(ctx.server.port, Buffer.from(`${method} ${t} HTTP/1.1\r\n${withHost ? `Host: ${h}\r\n` : ''}Connection: close\r\nContent-Length: 0\r\n\r\n`, 'latin1'));
      if (status >= 500) throw new Error(`${method} ${t} with Host ${JSON.stringify(h)} answered ${status}`);
    }));
  });
});
