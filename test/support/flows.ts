import * as oidc from 'openid-client';
import { expect } from 'vitest';
import { REDIRECT_URI } from './fixtures.js';
import type { PageResponse, UserAgent } from './user-agent.js';

/** Starts an authorization request and returns the login page with the PKCE verifier. */
export async function openLoginPage(agent: UserAgent, config: oidc.Configuration, extra: Record<string, string> = {}): Promise<{ page: PageResponse; verifier: string }> {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI, scope: 'openid email offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
  });
  const page = await agent.navigate(url.toString(), REDIRECT_URI);
  expect(page.html).toContain('id="login-form"');
  return { page, verifier };
}

/** Signs in and consents; returns the callback URL carrying the code. */
export async function signInToCallback(agent: UserAgent, page: PageResponse, username: string, password: string): Promise<string> {
  let step = await agent.submit(page, 'form#login-form', { username, password });
  step = await agent.follow(step, REDIRECT_URI);
  if (step.html.includes('id="consent-form"')) step = await agent.follow(await agent.submit(step, 'form#consent-form'), REDIRECT_URI);
  expect(step.location).toMatch(/\?code=/);
  return step.location!;
}
