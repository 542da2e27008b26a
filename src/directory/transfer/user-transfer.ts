import type { Database } from '../../db/database.js';
import type { LockUser } from './apply-record.js';
import { exportUsers, type ExportOptions } from './export-users.js';
import { importUsers, type ImportOptions } from './import-users.js';
import type { ExportReport, ImportReport } from './transfer-user.js';

/**
 * Bulk import and export of users with their password hashes, groups and linked identities, in Cognito's
 * user import CSV (with Latchkey's columns) or JSON Lines. One engine for the CLI and the admin API.
 */
export interface UserTransfer {
  importUsers(options: ImportOptions): Promise<ImportReport>;
  exportUsers(options: ExportOptions): Promise<ExportReport>;
}

export interface UserTransferDeps {
  db: Database;
  /**
   * The issuer of the upstream provider Latchkey knows by `name` (configured by the environment or added
   * with `latchkey provider add`), or null when there is none: identities are keyed on issuer and subject.
   */
  upstreamIssuer: (name: string) => Promise<string | null>;
  /** The directory's lock-out hook, for imported rows that disable a user or require a reset. */
  lockUser?: LockUser | undefined;
  batchSize?: number;
}

export function createUserTransfer(deps: UserTransferDeps): UserTransfer {
  return {
    importUsers: (options) => importUsers(deps, options),
    exportUsers: (options) => exportUsers(deps, options),
  };
}
