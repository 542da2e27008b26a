import { describe, expect, it } from 'vitest';
import { databaseLabel, describeDatabase } from '../../src/landing/describe-database.js';

describe('describeDatabase', () => {
  it('names host, port and database of DATABASE_URL, never the user, the password or query options', () => {
    const described = describeDatabase({ databaseUrl: 'postgres://app:s3cr%40t@db.internal:6432/latchkey?sslmode=require&password=other-secret', dataDir: './data' });
    expect(described).toEqual({ kind: 'postgres', host: 'db.internal', port: 6432, database: 'latchkey' });
    const label = databaseLabel(described);
    expect(label).toBe('Postgres at db.internal:6432/latchkey');
    expect(label).not.toMatch(/s3cr|other-secret|app/);
  });

  it('defaults the port to 5432 and takes a socket directory given as the host option', () => {
    expect(describeDatabase({ databaseUrl: 'postgresql:///latchkey?host=/var/run/postgresql', dataDir: './data' }))
      .toEqual({ kind: 'postgres', host: '/var/run/postgresql', port: 5432, database: 'latchkey' });
  });

  it('names the embedded database and its data directory when DATABASE_URL is unset', () => {
    expect(databaseLabel(describeDatabase({ databaseUrl: null, dataDir: '/srv/latchkey' }))).toBe('embedded Postgres (PGlite) in /srv/latchkey');
  });
});
