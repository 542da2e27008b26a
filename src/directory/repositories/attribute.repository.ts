import type { Queryable } from '../../db/database.js';

export type AttributeType = 'string' | 'number' | 'boolean';

export interface AttributeDefinitionRow {
  name: string;
  type: AttributeType;
  required: boolean;
  mutable: boolean;
  min_length: number | null;
  max_length: number | null;
  min_value: number | null;
  max_value: number | null;
}

const COLUMNS = 'name, type, required, mutable, min_length, max_length, min_value, max_value';

export async function listAttributeDefinitions(db: Queryable): Promise<AttributeDefinitionRow[]> {
  const { rows } = await db.query<AttributeDefinitionRow>(`SELECT ${COLUMNS} FROM attribute_definitions ORDER BY name`);
  return rows;
}

/**
 * The declarations, locked FOR SHARE until the caller's transaction ends: what a user write validates its
 * values against. A schema change locks its declaration FOR UPDATE before it touches users, so the two
 * take their locks in one order (declarations, then users) and serialise: a value is never written against
 * a type, name or constraint that changed after it was checked. Waiting on a changed row returns its
 * committed version (READ COMMITTED re-reads a row it had to wait for), so the check sees the new schema.
 */
export async function lockAttributeDefinitions(tx: Queryable): Promise<AttributeDefinitionRow[]> {
  const { rows } = await tx.query<AttributeDefinitionRow>(`SELECT ${COLUMNS} FROM attribute_definitions ORDER BY name FOR SHARE`);
  return rows;
}

/** One declaration, locked FOR UPDATE until the transaction ends: schema changes to it serialise here. */
export async function lockAttributeDefinitionByName(tx: Queryable, name: string): Promise<AttributeDefinitionRow | undefined> {
  const { rows } = await tx.query<AttributeDefinitionRow>(`SELECT ${COLUMNS} FROM attribute_definitions WHERE name = $1 FOR UPDATE`, [name]);
  return rows[0];
}

/**
 * Serialises declarations of new attributes (each counts the declared ones against the limit first). The mode
 * conflicts with itself and with writes to declarations, not with the FOR SHARE of user writes.
 */
export async function lockAttributeDefinitionsForAdding(tx: Queryable): Promise<void> {
  await tx.query('LOCK TABLE attribute_definitions IN SHARE ROW EXCLUSIVE MODE');
}

export async function countAttributeDefinitions(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM attribute_definitions');
  return rows[0]?.count ?? 0;
}

/** Declares a new attribute; false when the name is taken (a concurrent declaration won). */
export async function insertAttributeDefinition(db: Queryable, def: AttributeDefinitionRow): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO attribute_definitions (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (name) DO NOTHING`,
    [def.name, def.type, def.required, def.mutable, def.min_length, def.max_length, def.min_value, def.max_value],
  );
  return rowCount === 1;
}

/** Replaces the type and constraints of a declaration (its values are the caller's business). */
export async function updateAttributeDefinition(db: Queryable, def: AttributeDefinitionRow): Promise<void> {
  await db.query(
    `UPDATE attribute_definitions SET type = $2, required = $3, mutable = $4, min_length = $5, max_length = $6,
       min_value = $7, max_value = $8 WHERE name = $1`,
    [def.name, def.type, def.required, def.mutable, def.min_length, def.max_length, def.min_value, def.max_value],
  );
}

/** Renames a declaration; the caller checked that `to` is free (a concurrent one raises 23505). */
export async function renameAttributeDefinition(db: Queryable, from: string, to: string): Promise<void> {
  await db.query('UPDATE attribute_definitions SET name = $2 WHERE name = $1', [from, to]);
}

export async function deleteAttributeDefinition(db: Queryable, name: string): Promise<void> {
  await db.query('DELETE FROM attribute_definitions WHERE name = $1', [name]);
}
