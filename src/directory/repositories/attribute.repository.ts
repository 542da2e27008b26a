import type { Queryable } from '../../db/database.js';

export interface AttributeDefinitionRow {
  name: string;
  type: 'string' | 'number' | 'boolean';
  required: boolean;
  mutable: boolean;
  min_length: number | null;
  max_length: number | null;
  min_value: number | null;
  max_value: number | null;
}

export async function listAttributeDefinitions(db: Queryable): Promise<AttributeDefinitionRow[]> {
  const { rows } = await db.query<AttributeDefinitionRow>(
    'SELECT name, type, required, mutable, min_length, max_length, min_value, max_value FROM attribute_definitions ORDER BY name',
  );
  return rows;
}

export async function upsertAttributeDefinition(db: Queryable, def: AttributeDefinitionRow): Promise<void> {
  await db.query(
    `INSERT INTO attribute_definitions (name, type, required, mutable, min_length, max_length, min_value, max_value)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (name) DO UPDATE SET required = EXCLUDED.required, mutable = EXCLUDED.mutable,
       min_length = EXCLUDED.min_length, max_length = EXCLUDED.max_length,
       min_value = EXCLUDED.min_value, max_value = EXCLUDED.max_value`,
    [def.name, def.type, def.required, def.mutable, def.min_length, def.max_length, def.min_value, def.max_value],
  );
}
