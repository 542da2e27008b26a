import fc from 'fast-check';
import { parse } from 'node-html-parser';
import type * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { PASSWORD, seedDirectory } from '../support/fixtures.js';
import { openLoginPage } from '../support/flows.js';
import { discover } from '../support/harness.js';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { findForm, UserAgent, type PageResponse } from '../support/user-agent.js';
import { encodedValue, formText, hostileBody, hostileHeaders, hostileString, percentEncode, RUNS } from './support/arbitraries.js';
import { createProber, type FuzzRequest } from './support/probe.js';
import { hostileEmail, hostileName, poison, withCodes, withCodesAndCounters } from './support/self-service.js';

/** A hosted form as a browser holding its page has it: where it posts, its token, its cookies, its fields. */
interface LiveForm {
  name: string;
  target: string;
  csrf: string;
  cookie: string;
  /** The form's own fields besides `csrf`, each with a generator of hostile but well-formed values. */
  fields: Record<string, fc.Arbitrary<string>>;
  /** The longest value the form's schema takes, per field (self-service.schema.ts). */
  limits: Record<string, number>;
}

/**
 * Property tests over sign-up, verification (and its resend), forgot and reset password, each with a live
 * interaction and its CSRF token, so the form is really parsed and checked, and without one. No input yields
 * a 5xx or a hang; a malformed or oversized form, or a missing or forged token, is refused before anything
 * is counted, so not even a rate counter moves; a well-formed form that is refused creates no user and no
 * code (a wrong code still counts against its attempts: that is the design).
 */
describe(`fuzzing the self-service forms (${currentBackend()})`, () => {
  let database: TestDatabase;
  let smtp: SmtpCapture;
  let server: TestServer;
  let config: oidc.Configuration;
  const forms: LiveForm[] = [];
  // A counterexample names the form instead of printing its generators.
  const live = (form: LiveForm): LiveForm => Object.assign(form, { [fc.toStringMethod]: () => form.name });

  /** The interaction cookies and a form's action and CSRF token, as a browser holding the page has them. */
  async function formOf(agent: UserAgent, page: PageResponse, selector: string) {
    const form = findForm(page.html, selector);
    const action = new URL(form.getAttribute('action')!, page.url);
    return { target: action.pathname, csrf: form.querySelector('input[name=csrf]')!.getAttribute('value')!, cookie: await agent.jar.getCookieString(action.toString()) };
  }

  async function linkedPage(agent: UserAgent, selector: string): Promise<PageResponse> {
    const { page } = await openLoginPage(agent, config);
    return agent.navigate(new URL(parse(page.html).querySelector(selector)!.getAttribute('href')!, page.url).toString());
  }

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    smtp = await startSmtpCapture();
    // Behind a trusted proxy, each case comes from its own forwarded address, so the per-address throttles
    // do not end the fuzzing after a few dozen cases (a malformed forwarded address is one more input).
    server = await startTestServer({ env: database.env, extraEnv: { SMTP_URL: smtp.url, LATCHKEY_TRUST_PROXY: 'true' } });
    config = await discover(server, (await seedDirectory(server.latchkey.services)).client);
    const code = fc.oneof(fc.stringMatching(/^\d{6}$/), hostileString);

    const signupAgent = new UserAgent();
    const signupPage = await linkedPage(signupAgent, 'a#signup-link');
    forms.push(live({
      name: 'signup', ...(await formOf(signupAgent, signupPage, 'form#signup-form')),
      fields: { email: fc.oneof(hostileEmail, hostileString), password: fc.oneof(fc.constant(PASSWORD), hostileString), username: fc.oneof(hostileName, hostileString), given_name: hostileString, family_name: hostileString, 'custom:nickname': hostileName },
      limits: { email: 254, password: 4096, username: 128, given_name: 256, family_name: 256, 'custom:nickname': 2048 },
    }));

    const verifyAgent = new UserAgent();
    const signedUp = await verifyAgent.submit(await linkedPage(verifyAgent, 'a#signup-link'), 'form#signup-form', { email: 'pending@example.com', password: PASSWORD });
    expect(signedUp.status).toBe(303);
    const verifyPage = await verifyAgent.navigate(signedUp.location!);
    forms.push(live({ name: 'verify', ...(await formOf(verifyAgent, verifyPage, 'form#verify-form')), fields: { code }, limits: { code: 64 } }));
    forms.push(live({ name: 'resend', ...(await formOf(verifyAgent, verifyPage, 'form#resend-form')), fields: {}, limits: {} }));

    const forgotAgent = new UserAgent();
    forms.push(live({ name: 'forgot', ...(await formOf(forgotAgent, await linkedPage(forgotAgent, 'a#forgot-password-link'), 'form#forgot-form')), fields: { username: fc.oneof(hostileName, hostileEmail, hostileString) }, limits: { username: 254 } }));

    const resetAgent = new UserAgent();
    const asked = await resetAgent.submit(await linkedPage(resetAgent, 'a#forgot-password-link'), 'form#forgot-form', { username: 'alice' });
    const resetPage = await resetAgent.follow(asked);
    forms.push(live({ name: 'reset', ...(await formOf(resetAgent, resetPage, 'form#reset-form')), fields: { code, password: fc.oneof(fc.constant('a brand new passphrase for alice'), hostileString) }, limits: { code: 64, password: 4096 } }));
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.stop();
    await database?.drop();
  });

  // No shrinking: a case that fails leaves the prober's last fingerprint stale, so a shrunk case would be
  // blamed for the write of the one that failed; the first failing case is the one worth reading.
  const PLAN = { numRuns: RUNS, endOnFailure: true };
  const address = fc.oneof({ weight: 8, arbitrary: fc.ipV4() }, { weight: 1, arbitrary: fc.ipV6() }, { weight: 1, arbitrary: fc.constantFrom('abc', '1.2.3.4.5', '') });
  const FORM = 'application/x-www-form-urlencoded';
  const post = (form: LiveForm, text: string, forwarded: string, contentType: string | undefined): FuzzRequest => ({
    method: 'POST', target: form.target, headers: { cookie: form.cookie, 'x-forwarded-for': forwarded }, contentType, body: new Uint8Array(Buffer.from(text, 'utf8')),
  });
  const someForm = () => fc.constantFrom(...forms);

  it('refuses a malformed or oversized form on each live form with a 4xx, counting and writing nothing', async () => {
    const probe = createProber(server.url, server.db, withCodesAndCounters);
    const cases = someForm().chain((form) => fc.tuple(fc.constant(form), formText([...Object.keys(form.fields), 'csrf'], { maxFields: 3 }), poison(['csrf', ...Object.keys(form.fields)], form.limits), fc.nat(), fc.ipV4()));
    await fc.assert(fc.asyncProperty(cases, async ([form, extra, bad, at, forwarded]) => {
      const parts = [`csrf=${form.csrf}`, ...extra.split('&').filter(Boolean)];
      if ('field' in bad) parts.splice(at % (parts.length + 1), 0, bad.field);
      const answer = await probe(post(form, parts.join('&'), forwarded, 'field' in bad ? FORM : bad.contentType));
      expect(answer.status, `${form.name}: ${answer.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
    }), PLAN);
  });

  it('answers hostile but well-formed values (bidi overrides, homoglyphs, combining marks, 10 KB strings) without a 5xx; a refused form creates no user and no code', async () => {
    const probe = createProber(server.url, server.db, withCodes);
    const cases = someForm().chain((form) => fc.tuple(fc.constant(form), fc.record(form.fields, { requiredKeys: [] }), fc.boolean(), address));
    await fc.assert(fc.asyncProperty(cases, async ([form, values, encodeRaw, forwarded]) => {
      // Values encoded as a browser would, or with everything but the separators left raw.
      const value = (v: string) => (encodeRaw ? v.replace(/[&=+%]/g, encodeURIComponent) : percentEncode(v));
      const text = [`csrf=${form.csrf}`, ...Object.entries(values).flatMap(([n, v]) => (v === undefined ? [] : [`${percentEncode(n)}=${value(v)}`]))].join('&');
      const answer = await probe(post(form, text, forwarded, FORM));
      expect(answer.status, `${form.name}: ${answer.text.slice(0, 200)}`).toBeLessThan(500);
    }), PLAN);
  });

  it('refuses a missing, empty or forged CSRF token on each live form with 403, counting and writing nothing', async () => {
    const probe = createProber(server.url, server.db, withCodesAndCounters);
    const forged = (form: LiveForm) => fc.oneof(
      fc.constant(undefined), fc.constant(''),
      // Another interaction's genuine token, the right one cut short or with one character changed, junk.
      fc.constantFrom(...forms.filter((f) => f.csrf !== form.csrf).map((f) => f.csrf)),
      fc.constantFrom(form.csrf.slice(0, -1), `${form.csrf.slice(0, -1)}${form.csrf.endsWith('A') ? 'B' : 'A'}`, `${form.csrf}A`, form.csrf.repeat(4), form.csrf.toUpperCase()),
      // Junk, short enough and free of the controls that would make the form malformed instead.
      // eslint-disable-next-line no-control-regex -- the controls the form reader refuses are what this filters out
      hostileString.filter((s) => s !== form.csrf && s.length <= 200 && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s)),
    );
    // Well-formed values within each field's limit (UTF-16 units, as the schema counts them; a code takes 64):
    // a malformed or oversized form is refused as such (400) before its token is looked at.
    const withinLimits = (form: LiveForm) => (values: Record<string, string>) => Object.entries(values).every(([name, value]) => value.length <= (form.limits[name] ?? 100));
    const wellFormed = (form: LiveForm) => fc.dictionary(fc.constantFrom(...Object.keys(form.fields), 'x'), fc.oneof(hostileName, hostileEmail).filter((v) => v.length <= 100), { maxKeys: 3 }).filter(withinLimits(form));
    const cases = someForm().chain((form) => fc.tuple(fc.constant(form), forged(form), wellFormed(form), fc.ipV4()));
    await fc.assert(fc.asyncProperty(cases, async ([form, token, values, forwarded]) => {
      const fields = Object.entries(values).flatMap(([n, v]) => (v === undefined ? [] : [`${percentEncode(n)}=${percentEncode(v)}`]));
      const text = [...(token === undefined ? [] : [`csrf=${percentEncode(token)}`]), ...fields].join('&');
      const answer = await probe(post(form, text, forwarded, FORM));
      expect(answer.status, `${form.name}: ${answer.text.slice(0, 200)}`).toBe(403);
    }), PLAN);
  });

  it('answers the self-service pages and the mailed link without a live interaction: unknown uids, foreign cookies, any body', async () => {
    const probe = createProber(server.url, server.db, withCodes);
    const { rows } = await server.db.query<{ id: string }>('SELECT id FROM users ORDER BY id');
    const uid = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{21,43}$/), encodedValue);
    const step = fc.constantFrom('/signup', '/verify', '/verify/resend', '/forgot', '/reset');
    const pages = fc.tuple(uid, step, fc.constantFrom('GET', 'POST'), hostileBody(['csrf', 'email', 'password', 'username', 'code']), hostileHeaders)
      .map(([id, s, method, body, headers]): FuzzRequest => ({ method, target: `/interaction/${id}${s}`, headers, ...body }));
    // The mailed link with a real user id (so a guess reaches the code check) or anything at all.
    const user = fc.oneof(fc.constantFrom(...rows.map((r) => r.id)), fc.uuid(), encodedValue);
    const linkQuery = fc.tuple(user, fc.oneof(fc.stringMatching(/^\d{6}$/), encodedValue)).map(([u, c]) => `user=${u}&code=${c}`);
    const link = fc.oneof(
      fc.tuple(fc.oneof(linkQuery, formText(['user', 'code'])), hostileHeaders).map(([q, headers]): FuzzRequest => ({ method: 'GET', target: `/verify-email?${q}`, headers })),
      fc.tuple(fc.oneof(linkQuery.map((q) => ({ contentType: 'application/x-www-form-urlencoded', body: new Uint8Array(Buffer.from(q)) })), hostileBody(['user', 'code'])), fc.ipV4())
        .map(([body, forwarded]): FuzzRequest => ({ method: 'POST', target: '/verify-email', headers: { 'x-forwarded-for': forwarded }, ...body })),
    );
    await fc.assert(fc.asyncProperty(fc.oneof(pages, link), async (request) => {
      await probe(request);
    }), PLAN);
  });
});

