import type { Readable } from 'node:stream';
import type { Database } from '../../db/database.js';
import { InvalidRequestError } from '../../errors/app-error.js';
import { listAttributeDefinitions } from '../repositories/attribute.repository.js';
import { applyBatch } from './apply-batch.js';
import { applyRecord, type LockUser } from './apply-record.js';
import { readRecords, type InputRow } from './read-records.js';
import { beginRowSavepoint, releaseRowSavepoint, rollbackRowSavepoint } from './repositories/user-transfer.repository.js';
import { RowRejection, type ImportReport, type RejectedRow, type TransferFormat } from './transfer-user.js';
import { validateRecord, type ValidRecord } from './validate-record.js';

export interface ImportOptions {
  input: Readable;
  format: TransferFormat;
  /** Do all the work, in transactions that are rolled back: the report says what the import would do. */
  dryRun?: boolean;
  /** Called after each batch with the report so far. */
  onProgress?: (report: Readonly<ImportReport>) => void;
}

export interface ImportDeps {
  db: Database;
  /** The issuer of an upstream provider known to Latchkey by that name, or null. */
  upstreamIssuer: (provider: string) => Promise<string | null>;
  lockUser?: LockUser | undefined;
  /** Rows per transaction. Default 500. */
  batchSize?: number;
  /** Rejected rows kept in the report (all are counted). Default 1000. */
  rejectedLimit?: number;
}

/** A row that passed validation, with where it came from. */
interface ValidRow {
  line: number;
  identifier: string | null;
  valid: ValidRecord;
}

/** What one attempt at a batch did. */
interface Attempt {
  created: number;
  updated: number;
  unchanged: number;
  rejected: RejectedRow[];
  groupsCreated: string[];
  afterCommits: (() => Promise<void>)[];
}

/** Thrown inside a dry run's batch transaction to roll it back. */
class DryRunRollback extends Error {}
const DRY_RUN = new DryRunRollback('dry run: rolled back');

/**
 * Why the database refused a row, when the refusal is about the row's data (a constraint or a malformed
 * value: SQLSTATE classes 22 and 23); null for anything else (a lost connection stops the import).
 */
function databaseReason(error: unknown): string | null {
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  if (code === '23505' && typeof constraint === 'string' && constraint.startsWith('federated_identities')) return 'the identity is linked to another user';
  if (code === '23505') return 'a user with this username or e-mail already exists';
  if (typeof code === 'string' && code.startsWith('23')) return 'refused by a database constraint';
  if (typeof code === 'string' && code.startsWith('22')) return 'a value is malformed or out of range for the database';
  return null;
}

/**
 * Imports users from a stream, in batches: each batch is one transaction and each row runs under its own
 * savepoint, so a rejected row writes nothing while the others of its batch commit. Only one batch of rows
 * is held at a time, and the report keeps the first `rejectedLimit` rejections. Re-running a file is
 * idempotent: a row finds its user by id, username or e-mail and changes only what differs.
 */
export async function importUsers(deps: ImportDeps, options: ImportOptions): Promise<ImportReport> {
  const { db } = deps;
  const batchSize = deps.batchSize ?? 500;
  const rejectedLimit = deps.rejectedLimit ?? 1000;
  const dryRun = options.dryRun ?? false;
  const report: ImportReport = { total: 0, created: 0, updated: 0, unchanged: 0, rejected: [], rejectedCount: 0, groupsCreated: [], dryRun };
  const groupsCreated = new Set<string>();
  const knownGroups = new Map<string, string>();
  const issuers = new Map<string, string | null>();
  const issuerOf = async (provider: string) => {
    if (!issuers.has(provider)) issuers.set(provider, await deps.upstreamIssuer(provider));
    return issuers.get(provider)!;
  };
  let definitions = await listAttributeDefinitions(db);

  const reject = (line: number, identifier: string | null, reason: string) => {
    report.rejectedCount += 1;
    if (report.rejected.length < rejectedLimit) report.rejected.push({ line, identifier, reason });
  };

  /** One attempt at a batch in one transaction; what it did counts only once the transaction ended. */
  async function attempt(rows: readonly ValidRow[], useBatchPath: boolean): Promise<Attempt> {
    const result: Attempt = { created: 0, updated: 0, unchanged: 0, rejected: [], groupsCreated: [], afterCommits: [] };
    const batchGroups = { known: knownGroups, created: new Map<string, string>() };
    const context = { definitions, groups: batchGroups, lockUser: deps.lockUser };
    try {
      await db.transaction(async (tx) => {
        let rowByRow = rows;
        if (useBatchPath) {
          const outcome = await applyBatch(tx, rows, context);
          result.created += outcome.created;
          result.unchanged += outcome.unchanged;
          for (const { row, reason } of outcome.rejected) result.rejected.push({ line: row.line, identifier: row.identifier, reason });
          rowByRow = outcome.deferred;
        }
        for (const row of rowByRow) {
          const groups = { known: knownGroups, created: new Map<string, string>() };
          await beginRowSavepoint(tx);
          try {
            const outcome = await applyRecord(tx, row.valid, { ...context, groups });
            await releaseRowSavepoint(tx);
            result[outcome.action] += 1;
            for (const [name, id] of groups.created) batchGroups.created.set(name, id);
            if (outcome.afterCommit) result.afterCommits.push(outcome.afterCommit);
          } catch (error) {
            const reason = error instanceof RowRejection ? error.message : databaseReason(error);
            if (reason === null) throw error;
            await rollbackRowSavepoint(tx);
            result.rejected.push({ line: row.line, identifier: row.identifier, reason });
          }
        }
        if (dryRun) throw DRY_RUN;
      });
    } catch (error) {
      // Nothing of a rolled-back batch stays: neither the groups it created nor its follow-ups.
      knownGroups.clear();
      if (error !== DRY_RUN) throw error;
      result.afterCommits = [];
    }
    result.groupsCreated = [...batchGroups.created.keys()];
    if (!dryRun) for (const [name, id] of batchGroups.created) knownGroups.set(name, id);
    return result;
  }

  async function runBatch(rows: readonly InputRow[]): Promise<void> {
    const valid: ValidRow[] = [];
    for (const row of rows) {
      if (!row.ok) {
        reject(row.line, row.identifier, row.reason);
        continue;
      }
      try {
        valid.push({ line: row.line, identifier: row.identifier, valid: await validateRecord(row.user, { definitions, issuerOf }) });
      } catch (error) {
        if (!(error instanceof RowRejection)) throw error;
        reject(row.line, row.identifier, error.message);
      }
    }
    let result: Attempt;
    try {
      result = await attempt(valid, true);
    } catch (error) {
      // A conflict with a concurrent writer (or any refusal of the bulk statements): the transaction rolled
      // back, so the batch runs again row by row, where each row's own savepoint decides it.
      if (databaseReason(error) === null) throw error;
      result = await attempt(valid, false);
    }
    report.created += result.created;
    report.updated += result.updated;
    report.unchanged += result.unchanged;
    for (const rejection of result.rejected.sort((a, b) => a.line - b.line)) reject(rejection.line, rejection.identifier, rejection.reason);
    for (const name of result.groupsCreated) groupsCreated.add(name);
    report.groupsCreated = [...groupsCreated];
    for (const then of result.afterCommits) await then();
    options.onProgress?.(report);
  }

  let batch: InputRow[] = [];
  const rows = readRecords(options.input, options.format, (columns) => {
    const declared = new Set(definitions.map((definition) => definition.name));
    const undeclared = columns.find((column) => column.startsWith('custom:') && !declared.has(column.slice('custom:'.length)));
    if (undeclared) throw new InvalidRequestError(`the column "${undeclared}" is not a declared attribute: declare it first with \`latchkey attribute add\``);
  });
  for await (const row of rows) {
    report.total += 1;
    batch.push(row);
    if (batch.length >= batchSize) {
      await runBatch(batch);
      batch = [];
      // Declarations may change during a long import; each batch validates against the current ones.
      definitions = await listAttributeDefinitions(db);
    }
  }
  if (batch.length > 0) await runBatch(batch);
  return report;
}
