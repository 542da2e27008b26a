import type { Database } from '../db/database.js';
import type { Logger } from '../lib/logger.js';
import { applyConfigFile } from './apply-config.js';
import type { ServicesFactory } from './declarative-services.js';
import type { Plan } from './plan.js';

/**
 * `LATCHKEY_CONFIG` at start-up, after migrations and before the app is built: the file is applied without
 * pruning (a server never deletes what an operator or another tool added), under the configuration lock, so
 * replicas starting together apply it once and the others find it unchanged. A file that cannot be applied
 * throws (ConfigFileError names every problem) and start-up stops. The plan's counts are logged.
 */
export async function applyConfigAtStart(deps: { db: Database; servicesFor: ServicesFactory; logger: Logger }, file: string, env: Readonly<Record<string, string | undefined>>): Promise<Plan> {
  const plan = await applyConfigFile(deps, file, env);
  deps.logger.info({ event: 'config.applied', file, ...plan.counts }, plan.counts.add + plan.counts.change > 0 ? 'configuration applied' : 'configuration unchanged');
  return plan;
}
