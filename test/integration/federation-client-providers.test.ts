import { parse } from 'node-html-parser';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { runCli } from '../support/processes.js';
import { TEST_SECRET } from '../support/test-server.js';
import { UserAgent, type PageResponse } from '../support/user-agent.js';

/** An app created with `--providers` offers only those upstreams: on the page, by identity_provider, by URL. */
describe(`upstream providers limited per client (${currentBackend()})`, () => {
  const ctx = useTestServer();
  const fakes = {} as Record<'alpha' | 'beta', FakeUpstream>;
  let onlyAlpha: oidc.Configuration;
  let noUpstream: oidc.Configuration;
  let every: oidc.Configuration;

  beforeAll(async () => {
    const { services } = ctx.server.latchkey;
    for (const name of ['alpha', 'beta'] as const) {
      fakes[name] = await startFakeUpstream({ name, redirectUris: [`${ctx.server.issuer}/federation/callback/${name}`] });
      await services.providers.add({ name, issuer: fakes[name].issuer, clientId: fakes[name].clientId, clientSecret: fakes[name].clientSecret });
    }
    const create = (name: string, upstreamProviders?: string[]) => services.clients.create({ name, redirectUris: [REDIRECT_URI], firstParty: true, ...(upstreamProviders ? { upstreamProviders } : {}) });
    onlyAlpha = await discover(ctx.server, await create('Alpha App', ['alpha']));
    noUpstream = await discover(ctx.server, await create('Local App', []));
    every = await discover(ctx.server, await create('Every App'));
  });
  afterAll(async () => {
    for (const fake of Object.values(fakes)) await fake?.stop();
  });

  const buttons = (page: PageResponse) => parse(page.html).querySelectorAll('a[id^="federation-"]').map((a) => a.id);

  function expectAccessDenied(step: PageResponse): void {
    const back = new URL(step.location!);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_description')).toBe('This application does not offer sign-in with that identity provider.');
  }

  async function statesOf(provider: string): Promise<number> {
    const { rows } = await ctx.server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM federation_states WHERE provider = $1', [provider]);
    return rows[0]!.n;
  }

  it('shows only the buttons of the providers the app allows: one, none, or all by default', async () => {
    expect(buttons((await openLoginPage(new UserAgent(), onlyAlpha)).page)).toEqual(['federation-alpha']);
    const local = (await openLoginPage(new UserAgent(), noUpstream)).page;
    expect(buttons(local)).toEqual([]);
    expect(local.html).toContain('id="login-form"');
    expect(buttons((await openLoginPage(new UserAgent(), every)).page)).toEqual(['federation-alpha', 'federation-beta']);
  });

  it('keeps only the allowed buttons when a refused password sign-in shows the page again', async () => {
    await ctx.server.latchkey.services.users.create({ email: 'pat@example.com', password: PASSWORD, emailVerified: true });
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, onlyAlpha);
    const refused = await agent.submit(page, 'form#login-form', { username: 'pat@example.com', password: 'not-the-password' });
    expect(refused.status).toBe(401);
    expect(buttons(refused)).toEqual(['federation-alpha']);
  });

  it('answers access_denied to identity_provider naming a provider the app does not allow, and signs in through an allowed one', async () => {
    const before = await statesOf('beta');
    for (const [app, name] of [[onlyAlpha, 'beta'], [noUpstream, 'alpha']] as const) {
      const url = oidc.buildAuthorizationUrl(app, {
        redirect_uri: REDIRECT_URI, scope: 'openid', identity_provider: name,
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256',
      });
      expectAccessDenied(await new UserAgent().navigate(url.toString(), REDIRECT_URI));
    }
    expect(await statesOf('beta')).toBe(before);

    fakes.alpha.next({ account: 'alpha-1', claims: { email: 'ally@example.com', email_verified: true } });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(onlyAlpha, {
      redirect_uri: REDIRECT_URI, scope: 'openid', identity_provider: 'alpha',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const step = await new UserAgent().navigate(url.toString(), REDIRECT_URI);
    expect(step.location).toMatch(/\?code=/);
    expect((await oidc.authorizationCodeGrant(onlyAlpha, new URL(step.location!), { pkceCodeVerifier: verifier })).claims()!.identities).toEqual(['alpha']);
  });

  it('refuses /interaction/:uid/federation/NAME for a provider the app does not allow, storing no state', async () => {
    const before = await statesOf('beta');
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, onlyAlpha);
    const start = new URL(page.url);
    start.pathname = `${start.pathname.replace(/\/$/, '')}/federation/beta`;
    expectAccessDenied(await agent.navigate(start.toString(), REDIRECT_URI));
    expect(await statesOf('beta')).toBe(before);
  });

  it('takes --providers on client create (names, or none), lists them, and refuses malformed names with exit code 1', async () => {
    const env = { ...ctx.database.env, LATCHKEY_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' };
    const limited = await runCli(['--json', 'client', 'create', '--name', 'CLI App', '--redirect-uri', REDIRECT_URI, '--providers', 'alpha, beta'], env);
    expect(limited.code, limited.stderr).toBe(0);
    expect(JSON.parse(limited.stdout)).toMatchObject({ name: 'CLI App', upstream_providers: ['alpha', 'beta'] });
    const none = await runCli(['--json', 'client', 'create', '--name', 'CLI Local', '--redirect-uri', REDIRECT_URI, '--providers', 'none'], env);
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout)).toMatchObject({ upstream_providers: [] });
    const listed = await runCli(['client', 'list'], env);
    expect(listed.stdout).toMatch(/CLI App\s+client_secret_basic\s+authorization_code,refresh_token\s+alpha,beta/);
    expect(listed.stdout).toMatch(/CLI Local\s+client_secret_basic\s+authorization_code,refresh_token\s+none/);
    expect(listed.stdout).toMatch(/Every App\s+client_secret_basic\s+authorization_code,refresh_token\s+all/);

    const bad = await runCli(['client', 'create', '--name', 'Bad', '--redirect-uri', REDIRECT_URI, '--providers', 'Alpha_1'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('"Alpha_1" is not a provider name');
    const empty = await runCli(['client', 'create', '--name', 'Empty', '--redirect-uri', REDIRECT_URI, '--providers', ','], env);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('name at least one provider, or none');
  });
});
