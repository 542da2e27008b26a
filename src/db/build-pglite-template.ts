import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedDatabase } from './embedded.js';
import { markTemplateValues } from './installation-values.js';
import { defaultMigrationsDir, migrate, readMigrations } from './migrate.js';
import { BUILT_TEMPLATE, templateMatches, writeTemplate } from './pglite-template.js';

/**
 * The last step of `npm run build`: the embedded database's template (pglite-template.ts), made by initdb and
 * migrated once here instead of at every first start, its installation values replaced by the marker that a
 * first start draws them for (installation-values.ts). Kept when one for this PGlite, these parameters and
 * these migrations exists.
 */
async function buildTemplate(): Promise<void> {
  if (templateMatches(BUILT_TEMPLATE)) return;
  const folder = mkdtempSync(join(tmpdir(), 'latchkey-template-'));
  try {
    const started = performance.now();
    // No template fits (that is why one is built), so this is initdb.
    const db = await openEmbeddedDatabase({ dataDir: folder, role: 'server' });
    try {
      await migrate(db, readMigrations(defaultMigrationsDir()));
      await markTemplateValues(db);
    } finally {
      await db.close(); // a clean shutdown: the packed cluster needs no recovery when it is opened
    }
    const { files, bytes } = writeTemplate(join(folder, 'pgdata'), BUILT_TEMPLATE);
    process.stdout.write(`embedded database template: ${files} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB packed, in ${Math.round(performance.now() - started)} ms\n`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

await buildTemplate();
