import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { UserAgent, type PageResponse } from '../support/user-agent.js';

/** The hosted prompts as an app drives them: switching accounts, implied consent, the factors in `amr`. */
describe(`hosted prompts (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let thirdParty: oidc.Configuration;
  let firstParty: oidc.Configuration;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const { services } = ctx.server.latchkey;
    for (const username of ['alice', 'bob', 'carol']) ids[username] = (await services.users.create({ username, email: `${username}@example.com`, password: PASSWORD, emailVerified: true })).id;
    thirdParty = await discover(ctx.server, await services.clients.create({ name: 'Switcher', redirectUris: [REDIRECT_URI] }));
    firstParty = await discover(ctx.server, await services.clients.create({ name: 'Our own app', redirectUris: [REDIRECT_URI], firstParty: true }));
  });

  async function authorize(agent: UserAgent, config: oidc.Configuration, extra: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI, scope: 'openid email offline_access',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
    });
    return { page: await agent.navigate(url.toString(), REDIRECT_URI), verifier };
  }

  /** Follows redirects, submitting the provider's auto-posting forms as a browser does, and records every URL. */
  async function follow(agent: UserAgent, first: PageResponse, visited: string[] = []): Promise<PageResponse> {
    let step = first;
    for (let hops = 0; hops < 10; hops += 1) {
      if (step.location) {
        if (step.location.startsWith(REDIRECT_URI)) return step;
        visited.push(step.location);
        step = await agent.request(step.location);
      } else if (step.html.includes('/session/end/confirm')) {
        // Another account is signed in: the provider ends that session first (a self-posting form).
        step = await agent.submit(step, 'form');
      } else {
        return step;
      }
    }
    return step;
  }

  it('prompt=login in a browser signed in as alice lets bob sign in and gets bob\'s code and tokens', async () => {
    const agent = new UserAgent();
    const first = await openLoginPage(agent, thirdParty);
    const alice = await oidc.authorizationCodeGrant(thirdParty, new URL(await signInToCallback(agent, first.page, 'alice', PASSWORD)), { pkceCodeVerifier: first.verifier });
    expect(alice.claims()?.sub).toBe(ids.alice);

    const { page, verifier } = await authorize(agent, thirdParty, { prompt: 'login' });
    expect(page.html).toContain('id="login-form"');
    let step = await follow(agent, await agent.submit(page, 'form#login-form', { username: 'bob', password: PASSWORD }));
    if (step.html.includes('id="consent-form"')) step = await follow(agent, await agent.submit(step, 'form#consent-form'));
    expect(step.location).toMatch(/\?code=/);
    const bob = await oidc.authorizationCodeGrant(thirdParty, new URL(step.location!), { pkceCodeVerifier: verifier });
    expect(bob.claims()?.sub).toBe(ids.bob);
    expect(await oidc.fetchUserInfo(thirdParty, bob.access_token, ids.bob!)).toMatchObject({ sub: ids.bob, email: 'bob@example.com' });
    // The browser's session is now bob's: a plain authorization signs in as bob without a form.
    const again = await authorize(agent, thirdParty);
    expect(again.page.location).toMatch(/\?code=/);
    expect((await oidc.authorizationCodeGrant(thirdParty, new URL(again.page.location!), { pkceCodeVerifier: again.verifier })).claims()?.sub).toBe(ids.bob);
  });

  it('puts the factors the sign-in used in the ID token\'s amr', async () => {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, thirdParty);
    const tokens = await oidc.authorizationCodeGrant(thirdParty, new URL(await signInToCallback(agent, page, 'carol', PASSWORD)), { pkceCodeVerifier: verifier });
    expect(tokens.claims()).toMatchObject({ sub: ids.carol, amr: ['pwd'] });
    // A refreshed ID token keeps them.
    expect((await oidc.refreshTokenGrant(thirdParty, tokens.refresh_token!)).claims()).toMatchObject({ amr: ['pwd'] });
  });

  it('grants a first-party app what it asks for through the grant hook: no consent page, now or when it asks for more', async () => {
    const agent = new UserAgent();
    const { page, verifier } = await authorize(agent, firstParty);
    const visited: string[] = [];
    const landed = await follow(agent, await agent.submit(page, 'form#login-form', { username: 'carol', password: PASSWORD }), visited);
    expect(landed.location).toMatch(/\?code=/);
    // From the login form straight back through the provider: no second interaction page.
    expect(visited.filter((url) => url.includes('/interaction/'))).toEqual([]);
    const tokens = await oidc.authorizationCodeGrant(firstParty, new URL(landed.location!), { pkceCodeVerifier: verifier });
    // offline_access needs prompt=consent (OpenID Connect Core §11); the refresh token comes regardless.
    expect(tokens.scope?.split(' ').sort()).toEqual(['email', 'openid']);
    expect(tokens.refresh_token).toEqual(expect.any(String));

    const more = await authorize(agent, firstParty, { scope: 'openid email profile' });
    expect(more.page.location).toMatch(/\?code=/);
    const wider = await oidc.authorizationCodeGrant(firstParty, new URL(more.page.location!), { pkceCodeVerifier: more.verifier });
    expect(wider.scope?.split(' ').sort()).toEqual(['email', 'openid', 'profile']);
    expect(wider.claims()).toMatchObject({ preferred_username: 'carol', amr: ['pwd'] });

    const asked = await authorize(agent, firstParty, { prompt: 'consent' });
    expect(asked.page.html).toContain('id="consent-form"');
  });

  it('still asks a third-party app\'s user, and an aborted consent ends with access_denied', async () => {
    const agent = new UserAgent();
    const { page } = await authorize(agent, thirdParty, { state: 'st' });
    const consent = await follow(agent, await agent.submit(page, 'form#login-form', { username: 'carol', password: PASSWORD }));
    expect(consent.html).toContain('id="consent-form"');
    expect(consent.html).toContain('See your e-mail address');
    const back = await follow(agent, await agent.submit(consent, 'form[action$="/abort"]'));
    expect(new URL(back.location!).searchParams.get('error')).toBe('access_denied');
  });
});
