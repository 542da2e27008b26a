import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { startTestServer, TEST_SECRET } from '../support/test-server.js';

/** A database dump must not hand out usable secrets; the secret list rotates without downtime. */
describe(`secrets at rest (${currentBackend()})`, () => {
  let database: TestDatabase;
  afterAll(async () => { await database?.drop(); });

  it('stores client secrets hashed and private keys sealed, and rotates LATCHKEY_SECRET by prepending', async () => {
    database = await createTestDatabase();
    const first = await startTestServer({ env: database.env });
    const client = await first.latchkey.services.clients.create({ name: 'Svc', grantTypes: ['client_credentials'], scope: 'x:y' });
    const dump = JSON.stringify((await first.db.query('SELECT * FROM clients')).rows) + JSON.stringify((await first.db.query('SELECT * FROM signing_keys')).rows);
    expect(dump).not.toContain(client.client_secret!);
    const key = (await first.db.query<{ private_jwk_sealed: string; public_jwk: Record<string, unknown> }>('SELECT private_jwk_sealed, public_jwk FROM signing_keys')).rows[0]!;
    expect(key.public_jwk).not.toHaveProperty('d');
    expect(key.private_jwk_sealed).toMatch(/^v1\./);
    expect(key.private_jwk_sealed).not.toContain('"d"');
    const kid = key.public_jwk.kid;
    await first.close();

    // A new secret first, the old one still listed: keys sealed under the old one still open.
    const rotated = await startTestServer({ env: database.env, extraEnv: { LATCHKEY_SECRET: `${'n'.repeat(40)},${TEST_SECRET}` } });
    const jwks = await (await fetch(`${rotated.issuer}/jwks`)).json() as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([kid]);
    await rotated.close();

    // Without the old secret the keys cannot be opened: start-up fails with a message that says why.
    await expect(startTestServer({ env: database.env, extraEnv: { LATCHKEY_SECRET: 'n'.repeat(40) } })).rejects.toThrow(/LATCHKEY_SECRET/);
  });
});
