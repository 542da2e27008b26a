import type { ProfileClaim } from '../attributes.js';
import type { UserRow } from '../repositories/user.repository.js';

/** A link to an upstream identity, as the import and export formats carry it. */
export interface TransferIdentity {
  /** The upstream provider's name in Latchkey (`google`, or a provider added with `latchkey provider add`). */
  provider: string;
  subject: string;
  /** Only when it is not the provider's own issuer (Entra's per-tenant issuers); otherwise the provider's. */
  issuer?: string | undefined;
}

/**
 * One user as the transfer formats describe it, whatever the file format. A field left undefined was not in
 * the input and is left as it is on an existing user; `null` (an empty cell) removes the value where a value
 * can be removed.
 */
export interface TransferUser {
  /** The user id to keep (their `sub`), when moving users between Latchkeys. */
  id?: string;
  username?: string | null;
  email?: string | null;
  emailVerified?: boolean;
  phoneNumber?: string | null;
  phoneNumberVerified?: boolean;
  /** The profile claims present in the input. */
  profile: Partial<Record<ProfileClaim, string | null>>;
  /** Declared custom attributes present in the input, by name without `custom:`. */
  customAttributes: Record<string, string | number | boolean | null>;
  /** A hash in one of the accepted formats (see password-formats/), or null for none. */
  passwordHash?: string | null;
  /** Group names; missing groups are created. */
  groups?: readonly string[];
  identities?: readonly TransferIdentity[];
  status?: UserRow['status'];
  enabled?: boolean;
}

/** Why one input row was not imported; the row wrote nothing. */
export class RowRejection extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RowRejection';
  }
}

/** A rejected row in the import report. `line` is the row's first line in the file (1 is a CSV header). */
export interface RejectedRow {
  line: number;
  /** The username or e-mail the row named, when it named one. */
  identifier: string | null;
  reason: string;
}

/** What an import did (or, in a dry run, would do). */
export interface ImportReport {
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  /** The first rejected rows, in file order (at most `rejectedLimit`; `rejectedCount` counts all). */
  rejected: RejectedRow[];
  rejectedCount: number;
  /** Groups that did not exist and were created for the import, by name. */
  groupsCreated: string[];
  dryRun: boolean;
}

/** What an export wrote. */
export interface ExportReport {
  total: number;
  includeHashes: boolean;
}

export type TransferFormat = 'csv' | 'json';
export const TRANSFER_FORMATS: readonly TransferFormat[] = ['csv', 'json'];
