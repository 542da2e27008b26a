import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { openDatabase } from '../../src/db/open-database.js';
import { createClientLookup } from '../../src/oidc/client-lookup.js';
import { createDeferredModelWrites } from '../../src/oidc/deferred-model-writes.js';
import { createModelAtRest } from '../../src/oidc/model-at-rest.js';
import { createPostgresAdapterClass } from '../../src/oidc/postgres-adapter.js';
import { applyOidcModelWrites } from '../../src/oidc/repositories/oidc-model-writes.repository.js';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { countingDatabase, requestTrips, type CountingDatabase } from '../support/counting-database.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage } from '../support/flows.js';
import { discover } from '../support/harness.js';
import { startTestServer, TEST_SECRET, type TestServer } from '../support/test-server.js';
import { UserAgent } from '../support/user-agent.js';

/** A Database whose held-writes statement fails with `failure` while one is set. */
function failingHeldWrites(inner: Database): Database & { failWith: Error | null } {
  const wrapped = Object.assign(Object.create(inner) as Database, { failWith: null as Error | null });
  wrapped.query = (text, params) => {
    if (wrapped.failWith && text.includes('jsonb_to_recordset')) return Promise.reject(wrapped.failWith);
    return inner.query(text, params);
  };
  return wrapped;
}

interface StoredRow { model: string; id: string; payload: Record<string, unknown>; consumed_at: Date | null; expires_at: Date | null }

/**
 * The authorization endpoint's writes, held until its answer is ready and made in one statement
 * (src/oidc/deferred-model-writes.ts): what they store is what the writes one by one stored, a request reads its
 * own writes, and an answer whose writes failed does not leave.
 */
describe(`held authorization writes (${currentBackend()})`, () => {
  let database: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    db = await openDatabase({ databaseUrl: database.env.DATABASE_URL ?? null, dataDir: database.env.LATCHKEY_DATA_DIR ?? '', role: 'server' });
  }, 180_000);
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  const rowsOf = async (model: string) => (await db.query<StoredRow>('SELECT model, id, payload, consumed_at, expires_at FROM oidc_model WHERE model = $1 ORDER BY id', [model])).rows;
  const insert = (model: string, id: string, payload: object, consumed = false) => db.query(
    `INSERT INTO oidc_model (model, id, payload, consumed_at) VALUES ($1, $2, $3, ${consumed ? 'now()' : 'NULL'})`, [model, id, JSON.stringify(payload)]);

  it('stores what the writes one by one store: every stored form deleted, a row updated in place, a stale copy replaced with its consumption kept, a new row with its expiry', async () => {
    await insert('Interaction', 'h1.gone', { v: 1 });
    await insert('Interaction', 'gone-legacy', { v: 1 });
    await insert('Session', 'h1.kept', { v: 1 });
    await insert('AuthorizationCode', 'old-secret-copy', { v: 1 }, true);
    await insert('Interaction', 'h1.untouched', { v: 1 });
    await applyOidcModelWrites(db, [
      { op: 'delete', model: 'Interaction', ids: ['h1.gone', 'gone-legacy'] },
      { op: 'upsert', model: 'Session', id: 'h1.kept', staleIds: [], payload: { v: 2 }, grantId: null, userCode: null, uid: 'h1.uid', sessionUid: null, expiresIn: 600 },
      { op: 'upsert', model: 'AuthorizationCode', id: 'h1.code', staleIds: ['old-secret-copy'], payload: { v: 2 }, grantId: 'g1', userCode: null, uid: null, sessionUid: 'h1.uid', expiresIn: 60 },
      { op: 'upsert', model: 'Grant', id: 'h1.grant', staleIds: [], payload: { v: 1 }, grantId: 'g1', userCode: null, uid: null, sessionUid: null, expiresIn: null },
    ]);
    expect((await rowsOf('Interaction')).map((row) => row.id)).toEqual(['h1.untouched']);
    const [session] = await rowsOf('Session');
    expect(session).toMatchObject({ id: 'h1.kept', payload: { v: 2 }, consumed_at: null });
    expect(session!.expires_at!.getTime() - Date.now()).toBeGreaterThan(590_000);
    const codes = await rowsOf('AuthorizationCode');
    expect(codes.map((row) => row.id)).toEqual(['h1.code']);
    expect(codes[0]!.consumed_at).toBeInstanceOf(Date);
    expect(await rowsOf('Grant')).toMatchObject([{ id: 'h1.grant', payload: { v: 1 }, expires_at: null }]);
  });

  it("makes a write alone as the adapter's own statement, with the same effect", async () => {
    const counting: CountingDatabase = countingDatabase(db);
    await insert('Interaction', 'alone-stale', { v: 1 }, true);
    let from = counting.log.length;
    await applyOidcModelWrites(counting, [{ op: 'upsert', model: 'Interaction', id: 'h1.alone', staleIds: ['alone-stale'], payload: { v: 2 }, grantId: null, userCode: null, uid: 'alone-uid', sessionUid: null, expiresIn: 60 }]);
    expect(requestTrips(counting, from)).toEqual([expect.stringMatching(/^WITH stale AS \(DELETE FROM oidc_model/)]);
    const stored = (await rowsOf('Interaction')).filter((row) => row.id.includes('alone'));
    expect(stored).toMatchObject([{ id: 'h1.alone', payload: { v: 2 } }]);
    expect(stored[0]!.consumed_at).toBeInstanceOf(Date);
    from = counting.log.length;
    await applyOidcModelWrites(counting, [{ op: 'delete', model: 'Interaction', ids: ['h1.alone', 'alone'] }]);
    expect(requestTrips(counting, from)).toEqual([expect.stringMatching(/^DELETE FROM oidc_model WHERE model = \$1/)]);
    expect((await rowsOf('Interaction')).filter((row) => row.id.includes('alone'))).toEqual([]);
  });

  it('applies writes of more models than one statement has slots for in one statement per four models, all of them', async () => {
    const counting: CountingDatabase = countingDatabase(db);
    const models = ['Interaction', 'Session', 'Grant', 'AuthorizationCode', 'RefreshToken'];
    await insert('RefreshToken', 'five-old', { v: 1 });
    const from = counting.log.length;
    await applyOidcModelWrites(counting, models.map((model) => ({
      op: 'upsert' as const, model, id: `five-${model}`, staleIds: model === 'RefreshToken' ? ['five-old'] : [], payload: { model }, grantId: null, userCode: null, uid: null, sessionUid: null, expiresIn: 60,
    })));
    expect(requestTrips(counting, from)).toHaveLength(2);
    for (const model of models) expect((await rowsOf(model)).filter((row) => row.id.startsWith('five-')).map((row) => row.id)).toEqual([`five-${model}`]);
  });

  it('makes a held write before a read that could see it, and not before a read of another model', async () => {
    const counting: CountingDatabase = countingDatabase(db);
    const request = {};
    const deferred = createDeferredModelWrites(counting, () => request);
    const Adapter = createPostgresAdapterClass(counting, createClientLookup({ db: counting }), createModelAtRest([TEST_SECRET]), undefined, deferred);
    const sessions = new Adapter('Session');
    const interactions = new Adapter('Interaction');
    const grants = new Adapter('Grant');

    const from = counting.log.length;
    await sessions.upsert('session-1', { uid: 'uid-1', accountId: 'a1', exp: Math.floor(Date.now() / 1000) + 600 }, 600);
    await interactions.upsert('interaction-1', { exp: Math.floor(Date.now() / 1000) + 600 }, 600);
    await interactions.destroy('interaction-1');
    expect(requestTrips(counting, from)).toEqual([]);

    expect(await grants.find('grant-unknown')).toBeUndefined();
    expect(requestTrips(counting, from)).toHaveLength(1);

    // The session is held: reading it makes the held writes first, in one statement.
    expect(await sessions.findByUid('uid-1')).toMatchObject({ accountId: 'a1', uid: 'uid-1' });
    const trips = requestTrips(counting, from);
    expect(trips).toHaveLength(3);
    expect(trips[1]).toContain('jsonb_to_recordset');
    // Its upsert and then its deletion leave the interaction absent, as they would one by one.
    expect(await interactions.find('interaction-1')).toBeUndefined();
    expect(requestTrips(counting, from)).toHaveLength(4);

    // A deletion then an upsert of one instance are made in that order (the new row starts unconsumed).
    await interactions.destroy('interaction-1');
    await interactions.upsert('interaction-1', { exp: Math.floor(Date.now() / 1000) + 600 }, 600);
    expect(requestTrips(counting, from)).toHaveLength(5);
    await deferred.flush(request);
    expect(requestTrips(counting, from)).toHaveLength(6);
    expect(await interactions.find('interaction-1')).toMatchObject({ jti: 'interaction-1' });
  });

  it('holds the writes of a step run `within`, makes them in one statement as it ends, and drops them when it fails', async () => {
    const counting: CountingDatabase = countingDatabase(db);
    const deferred = createDeferredModelWrites(counting, () => undefined);
    const Adapter = createPostgresAdapterClass(counting, createClientLookup({ db: counting }), createModelAtRest([TEST_SECRET]), undefined, deferred);
    const grants = new Adapter('Grant');
    const interactions = new Adapter('Interaction');
    const exp = () => Math.floor(Date.now() / 1000) + 600;

    // Outside `within` (and outside a provider route), a write is made at once.
    let from = counting.log.length;
    await interactions.upsert('within-0', { exp: exp() }, 600);
    expect(requestTrips(counting, from)).toHaveLength(1);

    from = counting.log.length;
    const result = await deferred.within(async () => {
      await grants.upsert('within-grant', { accountId: 'a1', clientId: 'c1', exp: exp() }, 600);
      await interactions.upsert('within-1', { exp: exp(), result: { consent: { grantId: 'within-grant' } } }, 600);
      expect(requestTrips(counting, from)).toEqual([]);
      return 'answer';
    });
    expect(result).toBe('answer');
    const trips = requestTrips(counting, from);
    expect(trips).toHaveLength(1);
    expect(trips[0]).toContain('jsonb_to_recordset');
    expect(await grants.find('within-grant')).toMatchObject({ accountId: 'a1' });
    expect(await interactions.find('within-1')).toMatchObject({ result: { consent: { grantId: 'within-grant' } } });

    from = counting.log.length;
    await expect(deferred.within(async () => {
      await grants.upsert('within-lost', { accountId: 'a1', clientId: 'c1', exp: exp() }, 600);
      await interactions.destroy('within-1');
      throw new Error('refused halfway');
    })).rejects.toThrow('refused halfway');
    expect(requestTrips(counting, from)).toEqual([]);
    expect(await grants.find('within-lost')).toBeUndefined();
    expect(await interactions.find('within-1')).toMatchObject({ jti: 'within-1' });
  });

  describe('a sign-in resumed at the authorization endpoint', () => {
    let server: TestServer;
    let faulty: ReturnType<typeof failingHeldWrites>;
    let config: oidc.Configuration;
    let partner: oidc.Configuration;

    beforeAll(async () => {
      faulty = failingHeldWrites(db);
      server = await startTestServer({ env: database.env, db: faulty });
      const { services } = server.latchkey;
      await services.users.create({ username: 'hana', email: 'hana@example.com', password: PASSWORD, emailVerified: true });
      config = await discover(server, await services.clients.create({ name: 'App', redirectUris: [REDIRECT_URI], scope: 'openid email offline_access', firstParty: true }));
      partner = await discover(server, await services.clients.create({ name: 'Partner', redirectUris: [REDIRECT_URI], scope: 'openid email' }));
    }, 180_000);
    afterAll(async () => {
      await server?.close();
    });

    /** Signs in up to the provider's resumption, which is returned unanswered. */
    async function upToResume(agent: UserAgent): Promise<{ resumeUrl: string; verifier: string }> {
      const { page, verifier } = await openLoginPage(agent, config);
      const submitted = await agent.submit(page, 'form#login-form', { username: 'hana', password: PASSWORD });
      expect(submitted.location).toMatch(/\/auth\/[\w-]+$/);
      return { resumeUrl: submitted.location!, verifier };
    }

    const countOf = async (model: string) => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM oidc_model WHERE model = $1', [model])).rows[0]!.n);
    const codes = () => countOf('AuthorizationCode');

    it('answers a failed write with an error page and no code or session cookie, stores none of it, and can be resumed again', async () => {
      const agent = new UserAgent();
      const { resumeUrl, verifier } = await upToResume(agent);
      const before = await codes();
      faulty.failWith = new Error('disk full');
      let answer;
      try {
        answer = await agent.request(resumeUrl);
      } finally {
        faulty.failWith = null;
      }
      expect(answer.status).toBe(500);
      expect(answer.location).toBeNull();
      expect(answer.headers.getSetCookie()).toEqual([]);
      expect(answer.html).toContain('<html');
      expect(await codes()).toBe(before);

      // The interaction's deletion was not made either: the same resumption now ends at the app with a code that works.
      const done = await agent.follow(await agent.request(resumeUrl), REDIRECT_URI);
      expect(done.location).toMatch(/\?code=/);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(done.location!), { pkceCodeVerifier: verifier });
      expect(tokens.access_token).toBeTruthy();
    });

    it('answers 503 with Retry-After when the database is unavailable as the writes are made', async () => {
      const agent = new UserAgent();
      const { resumeUrl } = await upToResume(agent);
      faulty.failWith = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
      try {
        const answer = await agent.request(resumeUrl);
        expect(answer.status).toBe(503);
        expect(answer.headers.get('retry-after')).toBe('1');
        expect(answer.location).toBeNull();
      } finally {
        faulty.failWith = null;
      }
    });

    it('answers a consent whose writes fail with an error page and no redirect, stores no grant, and takes the same consent again', async () => {
      const agent = new UserAgent();
      const { page, verifier } = await openLoginPage(agent, partner);
      const consentPage = await agent.follow(await agent.submit(page, 'form#login-form', { username: 'hana', password: PASSWORD }), REDIRECT_URI);
      expect(consentPage.html).toContain('id="consent-form"');
      const grants = await countOf('Grant');
      faulty.failWith = new Error('disk full');
      let answer;
      try {
        answer = await agent.submit(consentPage, 'form#consent-form');
      } finally {
        faulty.failWith = null;
      }
      expect(answer.status).toBe(500);
      expect(answer.location).toBeNull();
      expect(await countOf('Grant')).toBe(grants);

      // Neither the grant nor the interaction's result was made: the same form now ends at the app with a code that works.
      const done = await agent.follow(await agent.submit(consentPage, 'form#consent-form'), REDIRECT_URI);
      expect(done.location).toMatch(/\?code=/);
      expect(await countOf('Grant')).toBe(grants + 1);
      const tokens = await oidc.authorizationCodeGrant(partner, new URL(done.location!), { pkceCodeVerifier: verifier });
      expect(tokens.access_token).toBeTruthy();
    });
  });
});
