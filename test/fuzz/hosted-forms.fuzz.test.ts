import fc from 'fast-check';
import type * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI, seedDirectory } from '../support/fixtures.js';
import { openLoginPage } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { findForm, UserAgent, type PageResponse } from '../support/user-agent.js';
import { badEscape, encodedValue, formText, hostileBody, hostileHeaders, hostileString, percentEncode, RUNS } from './support/arbitraries.js';
import { createProber, type FuzzRequest } from './support/probe.js';

/**
 * Property tests over the hosted sign-in, consent and cancel forms, both with a live interaction and its
 * CSRF token (so the form is really parsed and checked) and without. No input yields a 5xx or a hang, and
 * a refused form changes nothing in the database.
 */
describe(`fuzzing the hosted forms (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let config: oidc.Configuration;

  beforeAll(async () => {
    config = await discover(ctx.server, (await seedDirectory(ctx.server.latchkey.services)).client);
  });

  /** The interaction cookies and a form's action and CSRF token, as a browser holding the page has them. */
  async function formOf(agent: UserAgent, page: PageResponse, selector: string) {
    const form = findForm(page.html, selector);
    const action = new URL(form.getAttribute('action')!, page.url);
    return { target: action.pathname, csrf: form.querySelector('input[name=csrf]')!.getAttribute('value')!, cookie: await agent.jar.getCookieString(action.toString()) };
  }

  const form = (target: string, cookie: string, text: string): FuzzRequest => ({
    method: 'POST', target, headers: { cookie }, contentType: 'application/x-www-form-urlencoded', body: new Uint8Array(Buffer.from(text, 'utf8')),
  });

  // First: the sign-in fuzz below runs into the per-address sign-in throttle, and this one must sign in.
  it('the consent and cancel forms with a live interaction and a valid CSRF token, always with one malformed field', async () => {
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config);
    const consentPage = await agent.follow(await agent.submit(page, 'form#login-form', { username: 'alice', password: PASSWORD }), REDIRECT_URI);
    expect(consentPage.html).toContain('id="consent-form"');
    const consent = await formOf(agent, consentPage, 'form#consent-form');
    const abort = await formOf(agent, consentPage, 'form[action$="/abort"]');
    const probe = createProber(ctx.server.url, ctx.server.db);
    // Without the malformed field the form would be accepted and the interaction would end; with it, the
    // request must be refused whole, and the consent screen stays usable for the next case.
    const poison = fc.oneof(
      // CR and LF are allowed in values (http/malformed-input.ts), so they poison nothing.
      fc.tuple(fc.constantFrom('csrf', 'x', 'username'), badEscape.filter((e) => e !== '%0D%0A')).map(([n, bad]) => `${n}=a${bad}`),
      fc.constantFrom('x=%00', 'csrf=%01', 'a%00=1', `csrf=dup`, 'x=%C0%80', 'x=%ED%A0%80', 'x=%FF'),
    );
    await fc.assert(fc.asyncProperty(fc.constantFrom(consent, abort), formText(['csrf', 'scope', 'x']), poison, fc.nat(),
      async (target, extra, bad, at) => {
        const parts = [`csrf=${target.csrf}`, ...extra.split('&').filter(Boolean)];
        parts.splice(at % (parts.length + 1), 0, bad);
        const answer = await probe(form(target.target, target.cookie, parts.join('&')));
        expect(answer.status).toBeGreaterThanOrEqual(400);
        expect(answer.status).toBeLessThan(500);
      }), { numRuns: RUNS });
    // The interaction survived every refused submission: consenting now still works.
    const finished = await agent.follow(await agent.submit(consentPage, 'form#consent-form'), REDIRECT_URI);
    expect(finished.location).toMatch(/\?code=/);
  });

  it('the sign-in form with a live interaction and a valid CSRF token', async () => {
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config);
    const login = await formOf(agent, page, 'form#login-form');
    const probe = createProber(ctx.server.url, ctx.server.db);
    const fields = fc.record({ username: fc.oneof(fc.constant('alice'), hostileString), password: fc.oneof(fc.constant('wrong password'), hostileString) });
    await fc.assert(fc.asyncProperty(fields, formText(['username', 'password', 'csrf', 'remember'], { maxFields: 3 }), fc.boolean(), hostileHeaders,
      async ({ username, password }, extra, encodeRaw, headers) => {
        // Values encoded as a browser would, or with the hostile escapes spliced in raw.
        const value = (v: string) => (encodeRaw ? v.replace(/[&=+%]/g, encodeURIComponent) : percentEncode(v));
        const text = [`csrf=${login.csrf}`, `username=${value(username)}`, `password=${value(password)}`, extra].filter(Boolean).join('&');
        const answer = await probe({ ...form(login.target, login.cookie, text), headers: { ...headers, cookie: login.cookie } });
        // No random input is alice's password: never a sign-in.
        expect(answer.status).toBeGreaterThanOrEqual(400);
      }), { numRuns: RUNS });
  });

  it('the hosted forms and pages without a live interaction: unknown uids, foreign cookies, any body', async () => {
    const uid = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{21,43}$/), encodedValue);
    const step = fc.constantFrom('/login', '/consent', '/abort', '');
    const probe = createProber(ctx.server.url, ctx.server.db);
    await fc.assert(fc.asyncProperty(uid, step, fc.constantFrom('GET', 'POST'), hostileBody(['csrf', 'username', 'password']), hostileHeaders, fc.option(encodedValue),
      async (id, s, method, body, headers, q) => {
        await probe({ method, target: `/interaction/${id}${s}${q === null ? '' : `?${q}`}`, headers, ...body });
      }), { numRuns: RUNS });
  });
});
