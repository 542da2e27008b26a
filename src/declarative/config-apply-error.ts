import { AppError, InvalidRequestError } from '../errors/app-error.js';
import { formatConfigPath } from './config-path.js';
import type { PlanEntry } from './plan.js';

/**
 * A service refused one step of an apply (a role still in use, a value that does not fit an attribute's new
 * type). The whole apply was rolled back; the message names the entry and says so. Keeps the service's status
 * and code.
 */
export class ConfigApplyError extends AppError {
  constructor(entry: PlanEntry, cause: AppError) {
    const place = formatConfigPath(entry.key ? [entry.section, entry.key] : [entry.section]);
    const details = cause instanceof InvalidRequestError && cause.details?.length ? ` (${cause.details.map((d) => `${d.path}: ${d.message}`).join('; ')})` : '';
    super(cause.status, cause.code, `${place} (${entry.action}): ${cause.message}${details}; nothing was applied`, { cause });
  }
}
