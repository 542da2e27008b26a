import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_TEMPLATE, templateMatches, writeTemplate } from './pglite-template.js';
import { createPGliteDatabase } from './pglite-thread.js';

/**
 * The last step of `npm run build`: the embedded database's template (pglite-template.ts), made by initdb
 * once here instead of at every first start. Kept when one for this PGlite and these parameters exists.
 */
async function buildTemplate(): Promise<void> {
  if (templateMatches(BUILT_TEMPLATE)) return;
  const folder = mkdtempSync(join(tmpdir(), 'latchkey-template-'));
  try {
    const started = performance.now();
    const pgdata = join(folder, 'pgdata');
    await createPGliteDatabase(pgdata, null);
    const { files, bytes } = writeTemplate(pgdata, BUILT_TEMPLATE);
    process.stdout.write(`embedded database template: ${files} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB packed, in ${Math.round(performance.now() - started)} ms\n`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

await buildTemplate();
