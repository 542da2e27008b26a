import type { Database } from '../db/database.js';
import { InvalidRequestError } from '../errors/app-error.js';
import { listAttributeDefinitions, upsertAttributeDefinition, type AttributeDefinitionRow } from './repositories/attribute.repository.js';

/** Cognito allows 50 custom attributes per pool; so does Latchkey. */
export const MAX_CUSTOM_ATTRIBUTES = 50;
const NAME = /^[a-z][a-z0-9_]{0,31}$/;

export interface DeclareAttributeInput {
  name: string;
  type: string;
  required?: boolean;
  mutable?: boolean;
  minLength?: number | null;
  maxLength?: number | null;
  min?: number | null;
  max?: number | null;
}

export interface AttributeService {
  /** Declares (or updates the constraints of) a custom attribute. Its type never changes once declared. */
  declare(input: DeclareAttributeInput): Promise<AttributeDefinitionRow>;
  list(): Promise<AttributeDefinitionRow[]>;
}

export function createAttributeService(deps: { db: Database }): AttributeService {
  const { db } = deps;
  return {
    async declare(input) {
      const problems: { path: string; message: string }[] = [];
      const name = input.name.startsWith('custom:') ? input.name.slice(7) : input.name;
      if (!NAME.test(name)) problems.push({ path: 'name', message: 'lower-case letters, digits and _, starting with a letter (1-32)' });
      if (!['string', 'number', 'boolean'].includes(input.type)) problems.push({ path: 'type', message: 'must be string, number or boolean' });
      if (input.type !== 'string' && (input.minLength != null || input.maxLength != null)) problems.push({ path: 'min_length', message: 'only for strings' });
      if (input.type !== 'number' && (input.min != null || input.max != null)) problems.push({ path: 'min', message: 'only for numbers' });
      if (input.maxLength != null && (input.maxLength < 1 || input.maxLength > 2048)) problems.push({ path: 'max_length', message: 'must be 1-2048' });
      if (problems.length) throw new InvalidRequestError('invalid attribute', problems);
      return db.transaction(async (tx) => {
        const existing = await listAttributeDefinitions(tx);
        const current = existing.find((d) => d.name === name);
        if (current && current.type !== input.type) throw new InvalidRequestError(`attribute custom:${name} is a ${current.type}; a declared type cannot change`);
        if (!current && existing.length >= MAX_CUSTOM_ATTRIBUTES) throw new InvalidRequestError(`at most ${MAX_CUSTOM_ATTRIBUTES} custom attributes`);
        const row: AttributeDefinitionRow = {
          name,
          type: input.type as AttributeDefinitionRow['type'],
          required: input.required ?? false,
          mutable: input.mutable ?? true,
          min_length: input.minLength ?? null,
          max_length: input.maxLength ?? null,
          min_value: input.min ?? null,
          max_value: input.max ?? null,
        };
        await upsertAttributeDefinition(tx, row);
        return row;
      });
    },
    list: () => listAttributeDefinitions(db),
  };
}
