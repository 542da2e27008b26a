import { parse } from 'node-html-parser';
import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { alertText, UserAgent, type PageResponse } from '../support/user-agent.js';

/** The page's <title>, its alert and the developer's details, as a person and a screen reader meet them. */
function read(page: PageResponse) {
  const root = parse(page.html);
  return {
    title: root.querySelector('title')?.text.trim(),
    alert: alertText(page.html),
    code: root.querySelector('details#error-details #error-code')?.text.trim(),
    description: root.querySelector('details#error-details #error-description')?.text.trim(),
    startAgain: root.querySelector('a#start-again')?.getAttribute('href'),
  };
}

/**
 * Hosted pages people can trust: error pages in plain sentences with the OAuth error folded away for the
 * developer, "Start again" for a sign-in that is gone, the consent page naming the signed-in account with a
 * way to switch, and a sign-in form whose errors are tied to its fields and whose password can be shown
 * without script.
 */
describe(`hosted pages people trust (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let app: oidc.Configuration;
  let clientId: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const { services } = ctx.server.latchkey;
    ids.alice = (await services.users.create({ username: 'alice', email: 'alice@example.com', password: PASSWORD, emailVerified: true, profile: { name: 'Alice Example' } })).id;
    ids.bob = (await services.users.create({ username: 'bob', email: 'bob@example.com', password: PASSWORD, emailVerified: true })).id;
    // Not first-party, so the consent page is shown.
    const client = await services.clients.create({ name: 'Trust App', redirectUris: [REDIRECT_URI] });
    clientId = client.client_id;
    app = await discover(ctx.server, client);
  });

  /** Follows redirects and the provider's self-posting logout form (another account was signed in). */
  async function follow(agent: UserAgent, first: PageResponse): Promise<PageResponse> {
    let step = first;
    for (let hops = 0; hops < 12; hops += 1) {
      if (step.location && !step.location.startsWith(REDIRECT_URI)) step = await agent.request(step.location);
      else if (!step.location && step.html.includes('/session/end/confirm')) step = await agent.submit(step, 'form');
      else return step;
    }
    return step;
  }

  async function signInToConsent(agent: UserAgent, username: string): Promise<{ consent: PageResponse; verifier: string }> {
    const { page, verifier } = await openLoginPage(agent, app, { scope: 'openid email' });
    const consent = await follow(agent, await agent.submit(page, 'form#login-form', { username, password: PASSWORD }));
    expect(consent.html).toContain('id="consent-form"');
    return { consent, verifier };
  }

  it('tells the person an unknown client\'s sign-in link is broken, with invalid_client and its description under details', async () => {
    const url = `${ctx.server.issuer}/auth?client_id=no-such-app&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&response_type=code&scope=openid`;
    const page = await new UserAgent().request(url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(400);
    expect(read(page)).toMatchObject({
      title: "Error: This app's sign-in link is broken · Latchkey",
      alert: "This app's sign-in link is broken. Tell the app's owner.",
      code: 'invalid_client',
      startAgain: undefined,
    });
    expect(read(page).description).toBeTruthy();
    expect(parse(page.html).querySelector('details#error-details summary')?.text).toMatch(/developer/);
  });

  it('tells the person a registered app with a wrong redirect URI has a broken link, the developer reads invalid_redirect_uri', async () => {
    const url = `${ctx.server.issuer}/auth?client_id=${clientId}&redirect_uri=${encodeURIComponent('http://localhost:8976/elsewhere')}&response_type=code&scope=openid`;
    const page = await new UserAgent().request(url);
    expect(page.status).toBe(400);
    const shown = read(page);
    expect(shown.alert).toBe("This app's sign-in link is broken. Tell the app's owner.");
    expect(shown.code).toBe('invalid_redirect_uri');
    expect(shown.description).toMatch(/redirect_uri/);
  });

  it('offers "Start again" (to /) for an unknown interaction, instead of "interaction session not found"', async () => {
    const page = await new UserAgent().request(`${ctx.server.issuer}/interaction/no-such-interaction`);
    expect(page.status).toBe(400);
    const shown = read(page);
    expect(shown.title).toBe('Error: This sign-in has expired · Latchkey');
    expect(shown.alert).toMatch(/expired or was already used.*Go back to the app and sign in again\./);
    expect(shown.alert).not.toMatch(/session not found/);
    expect(shown.startAgain).toBe('/');
    expect(shown.code).toBe('invalid_request');
  });

  it('offers "Start again" when the consent page is opened again after consenting (the Back button)', async () => {
    const agent = new UserAgent();
    const { consent } = await signInToConsent(agent, 'alice');
    const done = await follow(agent, await agent.submit(consent, 'form#consent-form'));
    expect(done.location).toMatch(/\?code=/);
    const back = await agent.request(consent.url);
    expect(back.status).toBe(400);
    expect(read(back)).toMatchObject({ title: 'Error: This sign-in has expired · Latchkey', startAgain: '/' });
    expect(back.html).not.toContain('id="consent-form"');
  });

  it('names the signed-in account on the consent page, and "Not you?" shows the sign-in form, after which bob is the one granted', async () => {
    const agent = new UserAgent();
    const { consent, verifier } = await signInToConsent(agent, 'alice');
    expect(parse(consent.html).querySelector('#consent-account')?.text.replace(/\s+/g, ' ').trim()).toBe('Signed in as Alice Example (alice@example.com)');

    const signIn = await follow(agent, await agent.submit(consent, 'form#switch-account-form'));
    expect(signIn.status).toBe(200);
    expect(signIn.html).toContain('id="login-form"');
    expect(parse(signIn.html).querySelector('input#username')?.getAttribute('value')).toBe('');

    const bobConsent = await follow(agent, await agent.submit(signIn, 'form#login-form', { username: 'bob', password: PASSWORD }));
    expect(parse(bobConsent.html).querySelector('#consent-account')?.text.trim()).toBe('Signed in as bob@example.com');
    const done = await follow(agent, await agent.submit(bobConsent, 'form#consent-form'));
    expect(done.location).toMatch(/\?code=/);
    // The code answers the request the app made at first (same PKCE challenge), and bob is its subject.
    const tokens = await oidc.authorizationCodeGrant(app, new URL(done.location!), { pkceCodeVerifier: verifier });
    expect(tokens.claims()?.sub).toBe(ids.bob);
  });

  it('refuses "Not you?" without the page\'s CSRF token', async () => {
    const agent = new UserAgent();
    const { consent } = await signInToConsent(agent, 'alice');
    const forged = await agent.submit(consent, 'form#switch-account-form', { csrf: 'forged' });
    expect(forged.status).toBe(403);
    expect(forged.location).toBeNull();
  });

  it('marks both fields invalid and describes them by the alert after a wrong password, and the title starts with "Error: "', async () => {
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, app);
    expect(read(page).title).toBe('Sign in · Latchkey');
    expect(parse(page.html).querySelector('input#password')?.getAttribute('aria-invalid')).toBeUndefined();

    const refused = await agent.submit(page, 'form#login-form', { username: 'alice', password: 'not the password' });
    expect(refused.status).toBe(401);
    const root = parse(refused.html);
    expect(read(refused).title).toBe('Error: Sign in · Latchkey');
    expect(root.querySelector('#lk-error')?.getAttribute('role')).toBe('alert');
    for (const field of ['username', 'password']) {
      expect(root.querySelector(`input#${field}`)?.getAttribute('aria-invalid')).toBe('true');
      expect(root.querySelector(`input#${field}`)?.getAttribute('aria-describedby')).toBe('lk-error');
    }

    const empty = parse((await agent.submit(refused, 'form#login-form', { username: 'alice', password: '' })).html);
    expect(empty.querySelector('input#password')?.getAttribute('aria-invalid')).toBe('true');
    expect(empty.querySelector('input#username')?.getAttribute('aria-invalid')).toBeUndefined();
  });

  it('shows the password as text after the show-password link (a plain link, no script needed), and keeps it shown after a refusal', async () => {
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, app);
    const link = parse(page.html).querySelector('a#show-password-link');
    expect(link?.text).toBe('Show password');
    expect(parse(page.html).querySelector('input#password')?.getAttribute('type')).toBe('password');

    const shown = await agent.request(new URL(link!.getAttribute('href')!, page.url).toString());
    const root = parse(shown.html);
    expect(root.querySelector('input#password')?.getAttribute('type')).toBe('text');
    expect(root.querySelector('input#password')?.getAttribute('spellcheck')).toBe('false');
    expect(root.querySelector('a#show-password-link')?.text).toBe('Hide password');

    const refused = await agent.submit(shown, 'form#login-form', { username: 'alice', password: 'wrong' });
    expect(refused.status).toBe(401);
    expect(parse(refused.html).querySelector('input#password')?.getAttribute('type')).toBe('text');

    const hidden = await agent.request(new URL(parse(refused.html).querySelector('a#show-password-link')!.getAttribute('href')!, page.url).toString());
    expect(parse(hidden.html).querySelector('input#password')?.getAttribute('type')).toBe('password');
  });
});
