import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { seedDirectory, PASSWORD } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { UserAgent } from '../support/user-agent.js';

/** One sample of the Prometheus text format: name, labels, value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/**
 * The series the README lists, after one complete sign-in through the authorization code flow, the code
 * exchanged for tokens and the refresh token used once, plus a Cognito call and an admin API call: each
 * series is there with the labels a dashboard groups by and the values this traffic must produce.
 */
describe(`metrics after a sign-in and a token exchange (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let samples: Sample[];
  let text: string;
  /** The interaction id and the client id the traffic carried in its paths. */
  let ids: string[];

  const value = (name: string, labels: Record<string, string>) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

  beforeAll(async () => {
    const { client } = await seedDirectory(ctx.server.latchkey.services);
    const config = await discover(ctx.server, client);
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config);
    ids = [/\/interaction\/([^/?]+)/.exec(page.url)![1]!, client.client_id];
    const callback = await signInToCallback(agent, page, 'alice', PASSWORD);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier });
    await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    const cognito = (target: string) => fetch(`${ctx.server.issuer}/`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target } });
    expect((await cognito('AWSCognitoIdentityProviderService.SignUp')).status).toBe(400);
    expect((await cognito('AWSCognitoIdentityProviderService.NoSuchOperation')).status).toBe(400);
    expect((await fetch(`${ctx.server.issuer}/admin/v1/users/${client.client_id}`)).status).toBe(401);
    text = await (await fetch(`${ctx.server.issuer}/metrics`)).text();
    samples = parseSamples(text);
  });

  it('counts requests by route pattern and status: the token endpoint, the sign-in form, an admin API path with an id (by its pattern)', () => {
    expect(value('latchkey_http_requests_total', { method: 'POST', route: '/token', status: '200' })).toBe(2);
    expect(value('latchkey_http_requests_total', { method: 'POST', route: '/interaction/:uid/login', status: '303' })).toBe(1);
    expect(value('latchkey_http_requests_total', { method: 'GET', route: '/auth', status: '303' })).toBe(1);
    expect(value('latchkey_http_requests_total', { method: 'GET', route: '/admin/v1/users/:user', status: '401' })).toBe(1);
    expect(value('latchkey_http_request_duration_seconds_count', { method: 'POST', route: '/token' })).toBe(2);
    expect(value('latchkey_http_request_duration_seconds_bucket', { method: 'POST', route: '/token', le: '+Inf' })).toBe(2);
  });

  it('labels every request by a pattern or "other", never by an id from the path', () => {
    const routes = new Set(samples.filter((s) => s.name === 'latchkey_http_requests_total').map((s) => s.labels.route!));
    for (const route of routes) expect(route === 'other' || route.startsWith('/'), route).toBe(true);
    for (const id of ids) expect(text).not.toContain(id);
  });

  it('counts Cognito API calls by the operation of the table, and an unknown X-Amz-Target as "other"', () => {
    expect(value('latchkey_cognito_requests_total', { operation: 'SignUp', status: '400' })).toBe(1);
    expect(value('latchkey_cognito_requests_total', { operation: 'other', status: '400' })).toBe(1);
  });

  it('counts the password sign-in as a success, and the other methods from zero', () => {
    expect(value('latchkey_sign_ins_total', { method: 'password', result: 'success' })).toBe(1);
    for (const method of ['passkey', 'federated', 'mfa']) expect(value('latchkey_sign_ins_total', { method, result: 'success' })).toBe(0);
  });

  it('counts tokens issued by grant type: one authorization code, one refresh', () => {
    expect(value('latchkey_tokens_issued_total', { grant_type: 'authorization_code' })).toBe(1);
    expect(value('latchkey_tokens_issued_total', { grant_type: 'refresh_token' })).toBe(1);
  });

  it('has every lockout scope at zero when nobody was locked out', () => {
    for (const scope of ['account_address', 'account', 'address']) expect(value('latchkey_lockouts_total', { scope })).toBe(0);
  });

  it('reports the database pool at scrape time: open connections, idle ones, none waiting', () => {
    expect(value('latchkey_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    expect(value('latchkey_db_pool_connections', { state: 'idle' })).toBeGreaterThanOrEqual(0);
    expect(value('latchkey_db_pool_connections', { state: 'waiting' })).toBe(0);
  });

  it('reports each periodic job\'s lag, read from the job runs table at the scrape', () => {
    const jobs = ctx.server.latchkey.services.jobs.jobs.map((job) => job.name);
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) expect(value('latchkey_job_lag_seconds', { job }), job).toBeGreaterThanOrEqual(0);
    expect(text).toContain('# TYPE latchkey_job_last_success_timestamp_seconds gauge');
  });

  it('declares the storage credentials series (its samples come with an issuance)', () => {
    expect(text).toContain('# TYPE latchkey_credentials_issued_total counter');
  });
});

