import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPoolDatabase, type Database } from '../../src/db/database.js';
import { openDatabase } from '../../src/db/open-database.js';
import { arrayParameter } from '../../src/db/array-parameter.js';
import { findAccessTokenLiveness, LIVENESS_BATCH_ROWS } from '../../src/oidc/repositories/access-token-liveness.repository.js';
import { consumeOidcModel, findOidcModelById, upsertOidcModel } from '../../src/oidc/repositories/oidc-model.repository.js';
import { APPLY_OIDC_MODEL_WRITES, applyOidcModelWrites, oidcModelWritesParameters, type OidcModelWrite } from '../../src/oidc/repositories/oidc-model-writes.repository.js';
import { consumeAndIssueRefreshToken, findGrantTokenWithContext } from '../../src/oidc/repositories/token-grant.repository.js';
import { findUserinfoRows } from '../../src/oidc/repositories/userinfo.repository.js';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';

const backend = currentBackend();
const EXECUTIONS = 9;
const token = { grantId: 'grant-1', jti: 'jti-1', accountId: '00000000-0000-4000-8000-000000000001', clientId: 'app' };

/** How the session planned each prepared statement so far (Postgres 14+ counts both kinds). */
interface PlanCounts { statement: string; generic_plans: number; custom_plans: number }

/**
 * The hot path's statements over arrays read them through a scalar subquery (db/array-parameter.ts): they still
 * match every stored form of an id, and on Postgres they keep one generic plan instead of being planned again on
 * every execution. Prepared statements exist on Postgres only; the embedded database plans each statement as it
 * runs it (prepared-statements.test.ts).
 */
describe(`hot statements over arrays (${backend})`, () => {
  let database: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    // One connection, its plans never renewed during the test: every execution lands on the same session's statements.
    db = backend === 'postgres'
      ? createPoolDatabase({ connectionString: database.env.DATABASE_URL!, max: 1 }, 'postgres', { replanAfterMs: 3_600_000 })
      : await openDatabase({ databaseUrl: null, dataDir: database.env.LATCHKEY_DATA_DIR ?? '', maxConnections: 1 });
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  const store = (id: string, marker: string) => upsertOidcModel(db, {
    model: 'Session', id, staleIds: [], payload: { marker }, grantId: null, userCode: null, uid: null, sessionUid: null, expiresIn: 60,
  });

  it('finds a row by any of its stored forms, the first one preferred, and consumes it once', async () => {
    await store('legacy-form', 'raw');
    expect((await findOidcModelById(db, 'Session', ['h1.hashed-form', 'legacy-form']))?.payload).toEqual({ marker: 'raw' });
    await store('h1.hashed-form', 'hashed');
    expect((await findOidcModelById(db, 'Session', ['h1.hashed-form', 'legacy-form']))?.payload).toEqual({ marker: 'hashed' });
    expect(await findOidcModelById(db, 'Session', ['h1.other', 'other'])).toBeUndefined();
    expect((await consumeOidcModel(db, 'Session', ['h1.hashed-form'])).consumed).toBe(true);
    expect((await consumeOidcModel(db, 'Session', ['h1.hashed-form'])).consumed).toBe(false);
  });

  if (backend !== 'postgres') return;

  const plans = async () => (await db.query<PlanCounts>('SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements')).rows;
  const planOf = async (fragment: string) => {
    const found = (await plans()).filter((p) => p.statement.includes(fragment));
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  it('plans the liveness, userinfo and refresh statements at most five times in nine executions', async () => {
    for (let i = 0; i < EXECUTIONS; i += 1) {
      await findAccessTokenLiveness(db, [token]);
      await findUserinfoRows(db, [token]);
      await findOidcModelById(db, 'Session', [`h1.session-${i}`, `session-${i}`]);
      await findGrantTokenWithContext(db, i % 2 ? 'RefreshToken' : 'AuthorizationCode', [`h1.refresh-${i}`, `refresh-${i}`]);
      await consumeAndIssueRefreshToken(db, { model: i % 2 ? 'RefreshToken' : 'AuthorizationCode', ids: [`h1.spent-${i}`] }, { id: `h1.next-${i}`, payload: {}, grantId: 'grant-1', sessionUid: null, expiresIn: 60 });
    }
    for (const fragment of ['AS client_exists FROM unnest', 'LEFT JOIN users u ON u.id = t.account_id', 'SELECT payload, consumed_at FROM oidc_model WHERE model = $1 AND id', 'LEFT JOIN LATERAL', 'WITH spent AS']) {
      const plan = await planOf(fragment);
      expect(plan.custom_plans, fragment).toBeLessThanOrEqual(5);
      expect(plan.generic_plans, fragment).toBeGreaterThanOrEqual(EXECUTIONS - 5);
    }
  });

  it('plans the same liveness statement again on every execution when its arrays are plain parameters', async () => {
    const plain = LIVENESS_BATCH_ROWS.replace(/\(SELECT (\$\d)::(\w+)\[\]\)::\w+\[\]/g, '$1::$2[]');
    expect(plain).not.toContain(arrayParameter('$1', 'text'));
    const text = `SELECT t.ord AS plain_arrays FROM ${plain} WHERE EXISTS (SELECT 1 FROM oidc_model WHERE model = 'Grant' AND grant_id = t.grant_id) OR EXISTS (SELECT 1 FROM clients WHERE client_id = t.client_id)`;
    for (let i = 0; i < EXECUTIONS; i += 1) await db.query(text, [[token.grantId], [token.jti], [token.accountId], [token.clientId]]);
    expect(await planOf('plain_arrays')).toMatchObject({ custom_plans: EXECUTIONS, generic_plans: 0 });
  });

  it('looks a stored id up by the primary key of a grown table that was never analyzed, its array in the index condition', async () => {
    await db.query(`INSERT INTO oidc_model (model, id, payload) SELECT 'RefreshToken', 'h1.grown-' || i, '{}' FROM generate_series(1, 20000) i`);
    // A new session prepares and plans the statement for the table as it is now.
    const fresh = createPoolDatabase({ connectionString: database.env.DATABASE_URL!, max: 1 }, 'postgres');
    try {
      // Past the five custom plans: what runs from then on is the generic plan that EXPLAIN shows.
      for (let i = 0; i < 6; i += 1) expect(await findOidcModelById(fresh, 'RefreshToken', [`h1.grown-${i + 1}`, `grown-${i + 1}`])).toEqual({ payload: {}, consumed_at: null });
      const prepared = (await fresh.query<{ name: string; statement: string }>('SELECT name, statement FROM pg_prepared_statements')).rows;
      const { name } = prepared.find((p) => p.statement.includes('FROM oidc_model WHERE model = $1 AND id'))!;
      const explained = (await fresh.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE ${name}('RefreshToken', '{h1.grown-8,grown-8}')`)).rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(explained).toMatch(/Index Cond: \(\(model = \$\d+\) AND \(id = ANY \(\$\d+\)\)\)/);
      expect(explained).not.toMatch(/Seq Scan/);
    } finally {
      await fresh.close();
    }
  });
});

/**
 * The held writes of a sign-in (oidc/repositories/oidc-model-writes.repository.ts) on a table that grew: the rows
 * they replace or delete are found by the primary key, in a custom plan and in the generic plan that a prepared
 * statement keeps after five executions (a hash join over a sequential scan of oidc_model was what both chose).
 */
describe(`held writes on a grown table (${backend})`, () => {
  let database: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    db = await openDatabase({ databaseUrl: database.env.DATABASE_URL ?? null, dataDir: database.env.LATCHKEY_DATA_DIR ?? '', role: 'server' });
    await db.query(`INSERT INTO oidc_model (model, id, payload) SELECT 'Session', 'h1.grown-session-' || i, '{}' FROM generate_series(1, 20000) i`);
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  /** A sign-in's resumption as the authorization endpoint holds it: the interaction gone, the session replaced, a grant and a code. */
  const heldWrites = (n: number): OidcModelWrite[] => [
    { op: 'delete', model: 'Interaction', ids: [`h1.interaction-${n}`, `interaction-${n}`] },
    { op: 'upsert', model: 'Session', id: `h1.held-session-${n}`, staleIds: [`h1.grown-session-${n}`], payload: {}, grantId: null, userCode: null, uid: `uid-${n}`, sessionUid: null, expiresIn: 600 },
    { op: 'upsert', model: 'Grant', id: `h1.held-grant-${n}`, staleIds: [], payload: {}, grantId: `held-grant-${n}`, userCode: null, uid: null, sessionUid: null, expiresIn: 600 },
    { op: 'upsert', model: 'AuthorizationCode', id: `h1.held-code-${n}`, staleIds: [], payload: {}, grantId: `held-grant-${n}`, userCode: null, uid: null, sessionUid: `uid-${n}`, expiresIn: 60 },
  ];
  const planText = (rows: { 'QUERY PLAN': string }[]) => rows.map((r) => r['QUERY PLAN']).join('\n');
  /** A parameter as SQL text, for EXECUTE (test values only). */
  const literal = (value: unknown): string => (value === null ? 'NULL'
    : Array.isArray(value) ? `ARRAY[${value.map(literal).join(', ')}]::text[]` : `'${(typeof value === 'string' ? value : JSON.stringify(value)).replaceAll("'", "''")}'`);
  /** A slot's model and its ids in the index condition (an InitPlan's value is `$n` on Postgres 15, `(InitPlan n).col1` on 17). */
  const SLOT_CONDITION = /Index Cond: \(\(model = (?:\$\d+|\(InitPlan \d+\)\.col1)\) AND \(id = ANY \((?:\$\d+|\(InitPlan \d+\)\.col1)\)\)\)/g;

  it('finds the rows it replaces by the primary key (a custom plan), and replaces them', async () => {
    const explained = planText((await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${APPLY_OIDC_MODEL_WRITES}`, oidcModelWritesParameters(heldWrites(0)))).rows);
    expect(explained.match(SLOT_CONDITION)).toHaveLength(4);
    expect(explained).not.toMatch(/Seq Scan on oidc_model/);
    await applyOidcModelWrites(db, heldWrites(0));
    expect((await db.query(`SELECT id FROM oidc_model WHERE id IN ('h1.grown-session-0', 'h1.held-session-0')`)).rows).toEqual([{ id: 'h1.held-session-0' }]);
  });

  if (backend !== 'postgres') return;

  it('keeps them on the primary key in the generic plan, which it keeps after five executions of nine', async () => {
    const fresh = createPoolDatabase({ connectionString: database.env.DATABASE_URL!, max: 1 }, 'postgres', { replanAfterMs: 3_600_000 });
    try {
      // As the authorization endpoint varies them: two models (a resumption that leaves a prompt), or four.
      for (let n = 1; n <= EXECUTIONS; n += 1) await applyOidcModelWrites(fresh, n % 2 ? heldWrites(n).slice(0, 2) : heldWrites(n));
      const prepared = (await fresh.query<PlanCounts & { name: string }>('SELECT name, statement, generic_plans, custom_plans FROM pg_prepared_statements')).rows;
      const statement = prepared.find((p) => p.statement.includes('jsonb_to_recordset'))!;
      expect(Number(statement.custom_plans)).toBeLessThanOrEqual(5);
      expect(Number(statement.generic_plans)).toBeGreaterThanOrEqual(EXECUTIONS - 5);
      const explained = planText((await fresh.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE ${statement.name}(${oidcModelWritesParameters(heldWrites(EXECUTIONS + 1)).map(literal).join(', ')})`)).rows);
      expect(explained.match(SLOT_CONDITION)).toHaveLength(4);
      expect(explained).not.toMatch(/Seq Scan on oidc_model/);
    } finally {
      await fresh.close();
    }
  });
});
