import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Queryable } from '../../db/database.js';
import { listAttributeDefinitions } from '../repositories/attribute.repository.js';
import { csvHeader, userToCsvCells } from './csv-record.js';
import { csvLine } from './csv-line.js';
import { userToJsonLine } from './json-record.js';
import { listExportPage, type ExportCursor } from './repositories/user-transfer.repository.js';
import type { ExportReport, TransferFormat } from './transfer-user.js';

export interface ExportOptions {
  format: TransferFormat;
  /** Write password hashes (`latchkey:password_hash`, `password_hash`); without, the file holds none. */
  includeHashes?: boolean;
  output: Writable;
}

export interface ExportDeps {
  db: Queryable;
  /** The issuer of an upstream provider known by that name, or null (identities then carry their issuer). */
  upstreamIssuer: (provider: string) => Promise<string | null>;
  /** Users per query. Default 500. */
  pageSize?: number;
}

/** Writes respecting back-pressure, so a slow output never makes the export buffer the directory. */
async function write(output: Writable, text: string): Promise<void> {
  if (!output.write(text)) await once(output, 'drain');
}

/**
 * Writes every user, in creation order, page by page (one page in memory at a time), in the format the
 * import reads: importing the file into an empty Latchkey gives the same users (with their ids), groups,
 * identities and, with `includeHashes`, passwords. Does not end `output`.
 */
export async function exportUsers(deps: ExportDeps, options: ExportOptions): Promise<ExportReport> {
  const { db } = deps;
  const includeHashes = options.includeHashes ?? false;
  const pageSize = deps.pageSize ?? 500;
  const issuers = new Map<string, string | null>();
  const issuerOf = async (provider: string) => {
    if (!issuers.has(provider)) issuers.set(provider, await deps.upstreamIssuer(provider));
    return issuers.get(provider)!;
  };
  const header = csvHeader((await listAttributeDefinitions(db)).map((definition) => definition.name), includeHashes);
  if (options.format === 'csv') await write(options.output, csvLine(header));

  let total = 0;
  let after: ExportCursor | null = null;
  do {
    const page = await listExportPage(db, pageSize, after);
    for (const exported of page.users) {
      // An identity's issuer is written only when it is not its provider's own (see identity-list.ts).
      const identities = await Promise.all(exported.identities.map(async ({ provider, issuer, subject }) =>
        ((await issuerOf(provider)) === issuer ? { provider, subject } : { provider, subject, issuer })));
      const user = { ...exported, identities };
      await write(options.output, options.format === 'csv' ? csvLine(userToCsvCells(user, header)) : `${userToJsonLine(user, includeHashes)}\n`);
      total += 1;
    }
    after = page.next;
  } while (after !== null);
  return { total, includeHashes };
}
