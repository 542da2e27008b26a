import type { AdapterPayload } from 'oidc-provider';
import type { Database } from '../db/database.js';
import { findLegacyOidcModelsForUpdate, replaceLegacyOidcModels } from './repositories/oidc-model.repository.js';
import { HASHED_PREFIX, type ModelAtRest } from './model-at-rest.js';

const BATCH = 500;
const MAX_BATCHES = 20;

/**
 * Re-keys provider rows written before ids were hashed (or since, by a replica of the previous version
 * during a rolling upgrade): raw id → hashed id, uid and user code hashed, payload sealed. Runs at start
 * and with the periodic maintenance, in bounded batches of short transactions; `SKIP LOCKED` lets
 * replicas share the work without waiting on each other. Returns how many rows it converted.
 */
export async function convertLegacyOidcModels(db: Database, atRest: ModelAtRest, limits = { batch: BATCH, maxBatches: MAX_BATCHES }): Promise<number> {
  let total = 0;
  for (let i = 0; i < limits.maxBatches; i += 1) {
    const converted = await db.transaction(async (tx) => {
      const rows = await findLegacyOidcModelsForUpdate(tx, limits.batch);
      const rehash = (value: string | null) => (value === null || value.startsWith(HASHED_PREFIX) ? value : atRest.storageKey(value));
      await replaceLegacyOidcModels(tx, rows.map((row) => ({
        model: row.model,
        oldId: row.id,
        id: atRest.storageKey(row.id),
        payload: typeof row.payload.sealed === 'string' ? row.payload : atRest.seal(row.model, row.payload as AdapterPayload),
        uid: rehash(row.uid),
        userCode: rehash(row.user_code),
      })));
      return rows.length;
    });
    total += converted;
    if (converted < limits.batch) break;
  }
  return total;
}
