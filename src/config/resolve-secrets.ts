import type { Logger } from '../lib/logger.js';
import type { Config } from './load-config.js';
import { readOrCreateDataDirSecret } from './data-dir-secret.js';

/** The secrets to use: configured ones, or (embedded database, not production) one kept in the data dir. */
export function resolveSecrets(config: Config, logger: Logger): readonly string[] {
  if (config.secrets) return config.secrets;
  const { secret, generated } = readOrCreateDataDirSecret(config.dataDir);
  if (generated) logger.warn({ dataDir: config.dataDir }, 'LATCHKEY_SECRET is not set: generated one and stored it in the data directory; set LATCHKEY_SECRET in production');
  return [secret];
}
