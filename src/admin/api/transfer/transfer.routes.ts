import { PassThrough } from 'node:stream';
import type { Services } from '../../../services.js';
import { InsufficientScopeError } from '../../../errors/app-error.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import { exportQuery, importQuery, importReportSchema } from './transfer.schema.js';

const CSV = 'text/csv';
const JSON_LINES = 'application/x-ndjson';
/** An import streams through in batches; the bound only stops a runaway upload (about two million users). */
const IMPORT_MAX_BYTES = 1024 * 1024 * 1024;

/**
 * Import and export of users with password hashes, groups and identities, over the same engine as
 * `latchkey users import|export`: the upload is read as it arrives and the export written as it is read.
 */
export function transferRoutes(s: Pick<Services, 'transfer'>): AdminRoute[] {
  return [
    adminRoute({
      method: 'post', path: '/users/import', operationId: 'importUsers', tag: 'users', access: 'write',
      summary: 'Import users (Cognito CSV or JSON Lines, with password hashes, groups and identities); idempotent',
      query: importQuery, status: 200, response: importReportSchema,
      upload: { mediaTypes: [CSV, JSON_LINES, 'application/jsonl'], maxBytes: IMPORT_MAX_BYTES, description: 'the file: text/csv, or JSON Lines as application/x-ndjson' },
      async handle({ query, upload }) {
        const format = query.format ?? (upload!.mediaType === CSV ? 'csv' : 'json');
        const report = await s.transfer.importUsers({ input: upload!.stream, format, dryRun: query.dry_run === 'true' });
        return {
          dry_run: report.dryRun, total: report.total, created: report.created, updated: report.updated, unchanged: report.unchanged,
          rejected_count: report.rejectedCount, rejected: report.rejected, groups_created: report.groupsCreated,
        };
      },
    }),
    adminRoute({
      method: 'get', path: '/users/export', operationId: 'exportUsers', tag: 'users', access: 'read',
      summary: 'Export every user in the import formats (password hashes only when asked, by a full administrator)',
      query: exportQuery, status: 200, response: null,
      download: { mediaTypes: [CSV, JSON_LINES], description: 'the users, streamed: CSV with a header row, or JSON Lines' },
      async handle({ query, caller, auditDetails }) {
        const includeHashes = query.include_hashes === 'true';
        // Hashes are the most sensitive thing the directory holds: read-only access never gets them.
        if (includeHashes && caller.access !== 'admin') throw new InsufficientScopeError('admin', 'exporting password hashes needs full admin access (the "admin" scope)');
        auditDetails.include_hashes = includeHashes;
        auditDetails.format = query.format;
        const stream = new PassThrough();
        s.transfer.exportUsers({ format: query.format, includeHashes, output: stream })
          .then(() => stream.end())
          .catch((error: unknown) => stream.destroy(error instanceof Error ? error : new Error(String(error))));
        return { mediaType: query.format === 'csv' ? `${CSV}; charset=utf-8` : JSON_LINES, stream, filename: `users.${query.format === 'csv' ? 'csv' : 'jsonl'}` };
      },
    }),
  ];
}
