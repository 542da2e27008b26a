import * as oidc from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { createTestClock } from '../support/clock.js';
import { PASSWORD, REDIRECT_URI, seedDirectory } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { startTestServer, TEST_SECRET } from '../support/test-server.js';
import { createSigningKeyService } from '../../src/oidc/signing-keys.js';
import { createSecretBox } from '../../src/lib/secret-box.js';
import { UserAgent } from '../support/user-agent.js';

const DAY = 86_400;

describe(`signing algorithms and staged key rotation (${currentBackend()})`, () => {
  // The clock the keys' schedule follows: moved forward instead of waiting days.
  const clock = createTestClock();
  const ctx = useTestServer({ clock, extraEnv: { LATCHKEY_SIGNING_ALGS: 'EdDSA,ES256,RS256' } });
  let machine: oidc.Configuration;

  beforeAll(async () => {
    machine = await discover(ctx.server, await ctx.server.latchkey.services.clients.create({ name: 'Worker', grantTypes: ['client_credentials'], scope: 'jobs:run' }));
  });

  async function jwks(): Promise<{ keys: { kid: string; alg: string; d?: string }[]; cacheControl: string | null }> {
    const response = await fetch(`${ctx.server.issuer}/jwks`);
    const body = await response.json() as { keys: { kid: string; alg: string; d?: string }[] };
    for (const key of body.keys) expect(key).not.toHaveProperty('d');
    return { keys: body.keys, cacheControl: response.headers.get('cache-control') };
  }
  const kidsOf = async (alg: string) => (await jwks()).keys.filter((k) => k.alg === alg).map((k) => k.kid);
  const accessToken = async () => (await oidc.clientCredentialsGrant(machine, { scope: 'jobs:run' })).access_token;
  const verifyWithJwks = (token: string, audience: string) => jwtVerify(token, createRemoteJWKSet(new URL(`${ctx.server.issuer}/jwks`)), { issuer: ctx.server.issuer, audience });
  const moveClockTo = (at: Date) => clock.advance((at.getTime() - clock.now().getTime()) / 1000);

  it('signs ID tokens with the algorithm an app registered, access tokens with the first listed, all verifying with the published JWKS', async () => {
    const { latchkey, issuer } = ctx.server;
    const published = await jwks();
    expect(published.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'EdDSA', 'RS256']);
    const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json() as { id_token_signing_alg_values_supported: string[] };
    expect(discovery.id_token_signing_alg_values_supported.sort()).toEqual(['ES256', 'EdDSA', 'RS256']);

    const { user, client } = await seedDirectory(latchkey.services);
    const es256 = await latchkey.services.clients.create({ name: 'P-256 App', redirectUris: [REDIRECT_URI] });
    await ctx.server.db.query(`UPDATE clients SET metadata = metadata || '{"id_token_signed_response_alg":"ES256"}'::jsonb WHERE client_id = $1`, [es256.client_id]);

    for (const [registered, alg] of [[client, 'EdDSA'], [es256, 'ES256']] as const) {
      const config = await oidc.discovery(new URL(issuer), registered.client_id, { client_secret: registered.client_secret!, id_token_signed_response_alg: alg }, undefined, { execute: [oidc.allowInsecureRequests] });
      const agent = new UserAgent();
      const { page, verifier } = await openLoginPage(agent, config);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, 'alice', PASSWORD)), { pkceCodeVerifier: verifier });
      expect(decodeProtectedHeader(tokens.id_token!).alg).toBe(alg);
      expect((await verifyWithJwks(tokens.id_token!, registered.client_id)).payload.sub).toBe(user.id);
      // The access token is signed with the default algorithm, and Latchkey's own bridges accept it.
      expect(decodeProtectedHeader(tokens.access_token).alg).toBe('EdDSA');
      expect((await oidc.fetchUserInfo(config, tokens.access_token, user.id)).sub).toBe(user.id);
    }
    const token = await accessToken();
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' });
    await expect(verifyWithJwks(token, issuer)).resolves.toBeTruthy();
  });

  it('publishes a staged key before it signs, verifies the old key\'s tokens through the overlap, then unpublishes the old key', async () => {
    const { latchkey, issuer } = ctx.server;
    const before = await accessToken();
    const oldKid = decodeProtectedHeader(before).kid!;
    const staged = await latchkey.services.keys.stage();
    expect(staged.map((k) => k.alg).sort()).toEqual(['ES256', 'EdDSA', 'RS256']);
    const next = staged.find((k) => k.alg === 'EdDSA')!;
    expect(next.replaces).toBe(oldKid);
    expect(next.activatesAt.getTime() - clock.now().getTime()).toBeGreaterThan((DAY - 5) * 1000);

    // Published at once (replicas see it within LATCHKEY_KEY_REFRESH_SECONDS), not signing yet; caches may keep
    // the JWKS for far less than the publish-ahead day, so they hold the key before any token names it.
    expect(await latchkey.holder.refresh()).toBe(true);
    expect(await kidsOf('EdDSA')).toEqual([oldKid, next.kid]);
    expect((await jwks()).cacheControl).toBe('public, max-age=60');
    expect(decodeProtectedHeader(await accessToken()).kid).toBe(oldKid);

    // A day later the new key signs; the old one still verifies what it signed.
    moveClockTo(new Date(next.activatesAt.getTime() + 1000));
    expect(await latchkey.holder.refresh()).toBe(true);
    const after = await accessToken();
    expect(decodeProtectedHeader(after).kid).toBe(next.kid);
    expect(await kidsOf('EdDSA')).toEqual([next.kid, oldKid]);
    for (const token of [before, after]) await expect(verifyWithJwks(token, issuer)).resolves.toBeTruthy();
    const listed = (await latchkey.services.keys.load()).keys.filter((k) => k.alg === 'EdDSA');
    expect(listed.map((k) => [k.kid, k.state])).toEqual([[next.kid, 'signing'], [oldKid, 'retired']]);

    // Once every token the old key signed has expired (its window), it leaves the JWKS.
    moveClockTo(listed[1]!.unpublishAt!);
    clock.advance(1);
    expect(await latchkey.holder.refresh()).toBe(true);
    expect(await kidsOf('EdDSA')).toEqual([next.kid]);
    expect((await jwks()).keys).toHaveLength(3);
  });

  it('the rotation job stages a successor once a key has signed for LATCHKEY_KEY_ROTATION_DAYS less the publish-ahead window, and not before', async () => {
    const { latchkey } = ctx.server;
    const pendingCount = async () => (await latchkey.services.keys.load()).keys.filter((k) => k.state === 'pending').length;
    const signer = (await latchkey.services.keys.load()).keys.find((k) => k.alg === 'EdDSA' && k.state === 'signing')!;
    const due = new Date(signer.activatesAt.getTime() + (90 - 1) * DAY * 1000);

    moveClockTo(new Date(due.getTime() - 60_000));
    expect(await latchkey.services.jobs.runNow('key-rotation')).toEqual({ ran: true, ok: true, rows: 0 });
    expect(await pendingCount()).toBe(0);

    moveClockTo(new Date(due.getTime() + 1000));
    expect(await latchkey.services.jobs.runNow('key-rotation')).toEqual({ ran: true, ok: true, rows: 3 });
    const pending = (await latchkey.services.keys.load()).keys.filter((k) => k.state === 'pending');
    expect(pending.map((k) => k.alg).sort()).toEqual(['ES256', 'EdDSA', 'RS256']);
    expect(await latchkey.services.jobs.runNow('key-rotation')).toMatchObject({ ran: true, rows: 0 });
    expect(await pendingCount()).toBe(3);
  });

  // Replicas share a real Postgres; the embedded database admits one server.
  if (currentBackend() === 'postgres') it('two instances running the rotation job at once rotate exactly once', async () => {
    const first = ctx.server;
    const second = await startTestServer({ env: ctx.database.env, issuer: first.issuer, clock, extraEnv: { LATCHKEY_SIGNING_ALGS: 'EdDSA,ES256,RS256' } });
    try {
      // The successors staged above take over; their own rotation then falls due.
      const signer = (await first.latchkey.services.keys.load()).keys.find((k) => k.alg === 'EdDSA' && k.state === 'pending')!;
      moveClockTo(new Date(signer.activatesAt.getTime() + (90 - 1) * DAY * 1000 + 1000));
      const rotationEvents = async () => (await first.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE type = 'key.rotated'`)).rows[0]!.n;
      const eventsBefore = await rotationEvents();

      const outcomes = await Promise.all([first.latchkey.services.jobs.runNow('key-rotation'), second.latchkey.services.jobs.runNow('key-rotation')]);
      // One run stages the three successors; a run that starts after it finished finds nothing due.
      expect(outcomes.map((o) => (o.ran ? o.rows : 0)).sort()).toEqual([0, 3]);
      // Straight calls, outside the runner, stage nothing more: the key lock and the re-check hold.
      expect(await Promise.all([first.latchkey.services.keys.rotateIfDue(), second.latchkey.services.keys.rotateIfDue()])).toEqual([0, 0]);
      const keys = (await second.latchkey.services.keys.load()).keys;
      expect(keys.filter((k) => k.state === 'pending').map((k) => k.alg).sort()).toEqual(['ES256', 'EdDSA', 'RS256']);
      expect(await rotationEvents() - eventsBefore).toBe(3);
    } finally {
      await second.close();
    }
  });

  it('the rotation job retires the keys of an algorithm taken off LATCHKEY_SIGNING_ALGS, which stay published until their tokens expire', async () => {
    // The job as a replica configured with EdDSA alone runs it (the running server still lists all three).
    const narrowed = createSigningKeyService({
      db: ctx.server.db, box: createSecretBox([TEST_SECRET]), clock, algorithms: ['EdDSA'],
      publishRetiredForSeconds: 3600, publishAheadSeconds: DAY, rotationDays: 90,
    });
    expect(await narrowed.rotateIfDue()).toBe(2);
    const keys = (await narrowed.load()).keys;
    expect(keys.filter((k) => k.alg !== 'EdDSA').map((k) => k.state)).toEqual(['retired', 'retired']);
    expect(keys.filter((k) => k.alg === 'EdDSA').map((k) => k.state)).toEqual(['signing', 'pending']);
    expect(await narrowed.rotateIfDue()).toBe(0);
  });
});
