import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open-database.js';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { BACKGROUND_QUERY, countingDatabase, type CountingDatabase } from '../support/counting-database.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage } from '../support/flows.js';
import { discover } from '../support/harness.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { UserAgent } from '../support/user-agent.js';

const backend = currentBackend();

/**
 * Round trips to the database per phase of a password sign-in through the hosted pages, once this process
 * keeps what it may keep. The clients, the pool's settings and the upstream providers are kept in process
 * (their changes are announced, on either database), so the pages read only the interaction and the account:
 * - page: the authorization request saves the interaction; the sign-in page reads it.
 * - sign-in: the form's POST reads the interaction and the account (with its second-factor state), counts the
 *   attempt, writes the sign-in time with its event and the counter's reset (one statement) and saves the
 *   interaction's result; the provider's resume reads the interaction and the account, and then deletes the
 *   interaction and saves the session, the grant and the code in one statement (deferred-model-writes.ts).
 * - for a third-party app the resume saves the consent's interaction instead of the grant and the code, and the
 *   sign-in ends on the consent page (it reads the interaction with its session, then the account); the consent's
 *   POST reads the interaction with its session and saves the grant and the interaction's result in one
 *   statement (deferred-model-writes.ts, `within`), and the
 *   provider's resume reads the session (the browser has one now), the interaction, the account and the grant
 *   before its one statement.
 * - token: the code is read with its session, its grant and the account; it is consumed in the statement that
 *   saves the refresh token.
 */
const EXPECTED = { page: 2, signIn: 8, token: 2, consentSignIn: 10, consent: 7 };

describe(`sign-in round trips (${backend})`, () => {
  let database: TestDatabase;
  let db: CountingDatabase;
  let server: TestServer;
  let firstParty: oidc.Configuration;
  let thirdParty: oidc.Configuration;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    db = countingDatabase(await openDatabase({ databaseUrl: database.env.DATABASE_URL ?? null, dataDir: database.env.LATCHKEY_DATA_DIR ?? '', role: 'server' }));
    server = await startTestServer({ env: database.env, db });
    const { services } = server.latchkey;
    await services.groups.create({ name: 'staff', precedence: 5 });
    await services.users.create({ username: 'tess', email: 'tess@example.com', password: PASSWORD, emailVerified: true, groups: ['staff'] });
    const scope = 'openid email offline_access';
    firstParty = await discover(server, await services.clients.create({ name: 'App', redirectUris: [REDIRECT_URI], scope, firstParty: true }));
    thirdParty = await discover(server, await services.clients.create({ name: 'Partner', redirectUris: [REDIRECT_URI], scope }));
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await db?.close();
    await database?.drop();
  });

  /** Runs `phases` in order and returns the request round trips (SQL text) each made. */
  async function tripsOf(phases: Record<string, () => Promise<void>>): Promise<Record<string, string[]>> {
    const trips: Record<string, string[]> = {};
    for (const [name, phase] of Object.entries(phases)) {
      const from = db.log.length;
      await phase();
      trips[name] = db.log.slice(from).filter((text) => !BACKGROUND_QUERY.test(text));
    }
    return trips;
  }

  /** A whole sign-in by a new browser; with consent for a third-party app. */
  function signIn(config: oidc.Configuration, withConsent: boolean): Promise<Record<string, string[]>> {
    const agent = new UserAgent();
    let opened: Awaited<ReturnType<typeof openLoginPage>>;
    let step: Awaited<ReturnType<UserAgent['follow']>>;
    return tripsOf({
      page: async () => {
        opened = await openLoginPage(agent, config);
      },
      signIn: async () => {
        step = await agent.follow(await agent.submit(opened.page, 'form#login-form', { username: 'tess', password: PASSWORD }), REDIRECT_URI);
        expect(step.html.includes('id="consent-form"')).toBe(withConsent);
      },
      ...(withConsent ? { consent: async () => {
        step = await agent.follow(await agent.submit(step, 'form#consent-form'), REDIRECT_URI);
      } } : {}),
      token: async () => {
        expect(step.location).toMatch(/\?code=/);
        await oidc.authorizationCodeGrant(config, new URL(step.location!), { pkceCodeVerifier: opened.verifier });
      },
    });
  }

  /** Sign-ins until what this process keeps is kept: the first asks (and starts listening), the second keeps. */
  async function warmUp(config: oidc.Configuration, withConsent: boolean): Promise<void> {
    await signIn(config, withConsent);
    await expect.poll(() => server.latchkey.services.clientLookup.active).toBe(true);
    await signIn(config, withConsent);
  }

  const described = (trips: Record<string, string[]>) => Object.entries(trips).map(([name, texts]) => `--- ${name}\n${texts.map((t) => t.slice(0, 160)).join('\n')}`).join('\n');

  it(`a first-party app: the page ${EXPECTED.page}, the sign-in ${EXPECTED.signIn}, the token ${EXPECTED.token} round trips`, async () => {
    await warmUp(firstParty, false);
    const trips = await signIn(firstParty, false);
    expect({ page: trips.page!.length, signIn: trips.signIn!.length, token: trips.token!.length }, described(trips))
      .toEqual({ page: EXPECTED.page, signIn: EXPECTED.signIn, token: EXPECTED.token });
  });

  it(`a third-party app: the page ${EXPECTED.page}, the sign-in to the consent page ${EXPECTED.consentSignIn}, the consent ${EXPECTED.consent}, the token ${EXPECTED.token} round trips`, async () => {
    await warmUp(thirdParty, true);
    const trips = await signIn(thirdParty, true);
    expect({ page: trips.page!.length, signIn: trips.signIn!.length, consent: trips.consent!.length, token: trips.token!.length }, described(trips))
      .toEqual({ page: EXPECTED.page, signIn: EXPECTED.consentSignIn, consent: EXPECTED.consent, token: EXPECTED.token });
    expect(trips.consent![0]).toMatch(/FROM oidc_model i LEFT JOIN LATERAL .*model = 'Session'/);
  });

  it('still refuses the consent once the session the sign-in started has ended (read with the interaction)', async () => {
    const agent = new UserAgent();
    const opened = await openLoginPage(agent, thirdParty);
    const consentPage = await agent.follow(await agent.submit(opened.page, 'form#login-form', { username: 'tess', password: PASSWORD }), REDIRECT_URI);
    expect(consentPage.html).toContain('id="consent-form"');
    await server.db.query(`DELETE FROM oidc_model WHERE model = 'Session'`);
    const answer = await agent.submit(consentPage, 'form#consent-form');
    // The provider's SessionNotFound, shown as the page for a sign-in that has expired.
    expect(answer.status).toBe(400);
    expect(answer.html).toContain('This sign-in has expired');
    expect(answer.location ?? '').not.toMatch(/code=/);
  });
});
