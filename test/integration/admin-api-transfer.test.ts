import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, seedDirectory } from '../support/fixtures.js';
import { useTestServer } from '../support/harness.js';
import { AdminApiClient, clientToken } from '../support/admin-api.js';
import { bcryptHash } from '../support/foreign-hashes.js';

const HEADER = 'cognito:username,email,email_verified,name,latchkey:password_hash,latchkey:groups';

/** Import and export over the admin API: the same engine as the CLI, streamed both ways. */
describe(`admin API: user import and export (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let api: AdminApiClient;
  let readOnly: string;

  beforeAll(async () => {
    await seedDirectory(ctx.server.latchkey.services);
    api = new AdminApiClient(ctx.server, (await clientToken(ctx.server, 'admin')).token);
    readOnly = (await clientToken(ctx.server, 'admin:read')).token;
  });

  it('imports a Cognito CSV with a bcrypt hash, reports a bad row that wrote nothing, and is idempotent; the imported user signs in with the old password', async () => {
    const hash = await bcryptHash('an old bcrypt password');
    const csv = [HEADER, `dora,dora@example.com,true,Dora,${hash},imported`, 'eve,not-an-address,true,Eve,,imported', ''].join('\n');
    const dry = await api.call('POST', '/users/import?dry_run=true', undefined, { raw: csv, contentType: 'text/csv' });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dry_run: true, total: 2, created: 1, rejected_count: 1 });
    await expect(ctx.server.latchkey.services.users.resolve('dora')).rejects.toMatchObject({ status: 404 });

    const first = await api.call('POST', '/users/import', undefined, { raw: csv, contentType: 'text/csv' });
    expect(first.body).toMatchObject({ dry_run: false, total: 2, created: 1, updated: 0, rejected_count: 1, rejected: [{ line: 3, identifier: 'eve' }], groups_created: ['imported'] });
    await expect(ctx.server.latchkey.services.users.resolve('eve')).rejects.toMatchObject({ status: 404 });
    const again = await api.call('POST', '/users/import', undefined, { raw: csv, contentType: 'text/csv' });
    expect(again.body).toMatchObject({ created: 0, updated: 0, unchanged: 1, rejected_count: 1 });

    const users = ctx.server.latchkey.services.users;
    const result = await users.verifyPassword(await users.findSignInAccount('dora'), 'an old bcrypt password');
    expect(result.ok).toBe(true);
    expect((await users.resolve('dora')).password_hash).toMatch(/^\$argon2id\$/);
  });

  it('imports JSON Lines, and refuses another media type with 415 and a write with admin:read with 403', async () => {
    const lines = `${JSON.stringify({ username: 'fred', email: 'fred@example.com', email_verified: true, groups: ['imported'] })}\n`;
    const imported = await api.call('POST', '/users/import', undefined, { raw: lines, contentType: 'application/x-ndjson' });
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ created: 1, rejected_count: 0 });
    expect((await ctx.server.latchkey.services.users.resolve('fred')).status).toBe('reset_required');
    expect((await api.call('POST', '/users/import', undefined, { raw: lines, contentType: 'text/plain' })).status).toBe(415);
    expect((await api.call('POST', '/users/import', undefined, { raw: lines, contentType: 'application/x-ndjson', token: readOnly })).status).toBe(403);
  });

  it('exports without hashes to admin:read, with hashes only to full admin access, and records which', async () => {
    const plain = await api.call('GET', '/users/export?format=json', undefined, { token: readOnly });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toContain('application/x-ndjson');
    const rows = String(plain.body).trim().split('\n').map((line) => JSON.parse(line) as { username?: string; password_hash?: string });
    expect(rows.map((r) => r.username)).toEqual(expect.arrayContaining(['alice', 'dora', 'fred']));
    expect(String(plain.body)).not.toContain('$argon2id$');

    const refused = await api.call('GET', '/users/export?include_hashes=true', undefined, { token: readOnly });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'insufficient_scope' } });

    const withHashes = await api.call('GET', '/users/export?format=csv&include_hashes=true');
    expect(withHashes.status).toBe(200);
    expect(withHashes.headers.get('content-disposition')).toBe('attachment; filename="users.csv"');
    const csv = String(withHashes.body);
    expect(csv.split('\n')[0]).toContain('latchkey:password_hash');
    expect(csv).toMatch(/alice,.*\$argon2id\$/);
    const audited = await ctx.server.latchkey.services.audit.query({ type: 'admin.read', limit: 1 });
    expect(audited.events[0]).toMatchObject({ actor: { kind: 'client' }, details: { operation: 'exportUsers', include_hashes: true, format: 'csv' } });
  });

  it('re-importing its own export changes nothing, and leaves users the file does not name alone', async () => {
    const exported = String((await api.call('GET', '/users/export?format=json&include_hashes=true')).body);
    const count = exported.trim().split('\n').length;
    await ctx.server.latchkey.services.users.create({ email: 'late@example.com', password: PASSWORD });
    const reimport = await api.call('POST', '/users/import', undefined, { raw: exported, contentType: 'application/x-ndjson' });
    expect(reimport.body).toMatchObject({ total: count, created: 0, updated: 0, unchanged: count, rejected_count: 0 });
    expect((await ctx.server.latchkey.services.users.resolve('late@example.com')).enabled).toBe(true);
  });
});
