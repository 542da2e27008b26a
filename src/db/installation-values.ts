import type { Queryable } from './database.js';

/**
 * Values a migration draws at random once per installation, which the embedded database's template (built
 * with every migration applied, pglite-template.ts) would otherwise hand to every installation alike. The
 * template carries a marker instead, and a database made from it draws its own values when it is first opened.
 *
 * - 0026_cognito_pool_identifiers: the user pool's id suffix and the identity pool's UUID, public names that
 *   two installations must not share (Amplify and SDK configurations, and every SRP verifier, carry them).
 *
 * A new migration that draws a value for rows it did not insert itself (a column added with a random
 * default, an UPDATE with random()) is listed here and drawn again below; the test of migrations pins the list.
 */
export const MIGRATIONS_DRAWING_INSTALLATION_VALUES: readonly string[] = Object.freeze(['0026']);

/** The user pool id suffix the template holds: 16 characters, so never one drawn (nine: migration 0026). */
export const TEMPLATE_MARKER = 'latchkeyTemplate';

/** At build time, after the migrations: the template's installation values become the marker. */
export async function markTemplateValues(db: Queryable): Promise<void> {
  await db.query('UPDATE user_pool_settings SET user_pool_id_suffix = $1', [TEMPLATE_MARKER]);
}

/** Postgres' `undefined_table` and `undefined_column`: a database whose migrations have not run yet. */
const NOT_MIGRATED_YET = new Set(['42P01', '42703']);

/**
 * Draws this installation's values when the database still holds the template's marker (as migration 0026
 * draws them); true when it did. Run at every open of the embedded database, so that a first start that
 * stopped between unpacking and drawing draws at the next. A database not migrated yet holds no marker.
 */
export async function drawInstallationValues(db: Queryable): Promise<boolean> {
  try {
    const { rowCount } = await db.query(
      `UPDATE user_pool_settings SET identity_pool_uuid = gen_random_uuid(), user_pool_id_suffix = (
         SELECT string_agg(substr('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 1 + floor(random() * 62)::int, 1), '')
           FROM generate_series(1, 9))
        WHERE user_pool_id_suffix = $1`,
      [TEMPLATE_MARKER],
    );
    return rowCount > 0;
  } catch (error) {
    if (NOT_MIGRATED_YET.has(String((error as { code?: unknown } | null)?.code))) return false;
    throw error;
  }
}
