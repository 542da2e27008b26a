import { basename } from 'node:path';
import { recordAudit } from '../audit/record-audit.js';
import type { Database } from '../db/database.js';
import { transactionDatabase } from '../db/transaction-database.js';
import { AppError } from '../errors/app-error.js';
import { ConfigApplyError } from './config-apply-error.js';
import type { ServicesFactory } from './declarative-services.js';
import type { DesiredState } from './desired-state.js';
import { summarizePlan, type Plan } from './plan.js';
import { planConfig } from './plan-config.js';
import { readConfigFile } from './read-config-file.js';
import { lockConfigApply } from './repositories/config-lock.repository.js';
import { resolveConfig } from './resolve-config.js';

export interface ApplyOptions {
  /** The file applied, for messages and the audit event (its name only). */
  file: string;
  /** SHA-256 of the file's text, recorded with `config.applied` so the event says which version was applied. */
  digest: string;
  /** Remove the entries of the file's sections that the file does not name (never users). */
  prune?: boolean;
  /** Plan only: nothing is written. */
  dryRun?: boolean;
}

/**
 * Applies a configuration file in one database transaction: under the configuration lock (replicas and
 * commands apply one at a time), the plan is computed against the state as it is then, and each step is made
 * by its service, audited as the service audits it. The services run over the transaction (their own
 * transactions become savepoints), so a refused step rolls back every step before it. When anything changed,
 * one `config.applied` event records the counts; an apply that changes nothing writes nothing at all.
 */
export async function applyConfig(deps: { db: Database; servicesFor: ServicesFactory }, desired: DesiredState, options: ApplyOptions): Promise<Plan> {
  const prune = options.prune ?? false;
  const dryRun = options.dryRun ?? false;
  return deps.db.transaction(async (tx) => {
    await lockConfigApply(tx);
    const db = transactionDatabase(tx, deps.db.kind);
    const steps = await planConfig(deps.servicesFor(db), desired, { prune, file: options.file });
    const plan = summarizePlan(steps, { dryRun, prune });
    if (dryRun) return plan;
    for (const step of steps) {
      try {
        await step.run?.();
      } catch (error) {
        throw error instanceof AppError ? new ConfigApplyError(step, error) : error;
      }
    }
    const { add, change, remove } = plan.counts;
    if (add + change + remove > 0) {
      await recordAudit(tx, { type: 'config.applied', details: { file: basename(options.file), sha256: options.digest, added: add, changed: change, removed: remove, prune } });
    }
    return plan;
  });
}

/** Reads, checks and resolves the file at `file` (secrets from `env`), then applies it (see applyConfig). */
export async function applyConfigFile(
  deps: { db: Database; servicesFor: ServicesFactory }, file: string, env: Readonly<Record<string, string | undefined>>,
  options: { prune?: boolean; dryRun?: boolean } = {},
): Promise<Plan> {
  const { document, digest } = readConfigFile(file);
  const desired = resolveConfig(document, file, { env });
  return applyConfig(deps, desired, { file, digest, ...options });
}
