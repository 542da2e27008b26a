import { recordAudit } from '../audit/record-audit.js';
import type { Database, Queryable } from '../db/database.js';
import { ConflictError, InvalidRequestError, NotFoundError } from '../errors/app-error.js';
import {
  attributeName, attributeNameProblem, definitionProblems, describeConstraints, describeDefinitionChanges, MAX_CUSTOM_ATTRIBUTES,
} from './attribute-definition.js';
import { assertValuesFit, plannedDefinition, type AttributeChange } from './attribute-migration.js';
import {
  convertAttributeValues, countAttributeValues, countValuesNotOfType, deleteAttributeValues, renameAttributeValues,
} from './repositories/attribute-value.repository.js';
import {
  countAttributeDefinitions, deleteAttributeDefinition, insertAttributeDefinition, listAttributeDefinitions, lockAttributeDefinitionByName,
  lockAttributeDefinitionsForAdding, renameAttributeDefinition, updateAttributeDefinition, type AttributeDefinitionRow, type AttributeType,
} from './repositories/attribute.repository.js';
import { removeSignupRequirement, renameSignupRequirement } from './repositories/user-pool-settings.repository.js';

export { MAX_CUSTOM_ATTRIBUTES } from './attribute-definition.js';
export type { AttributeChange } from './attribute-migration.js';

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

/** What a schema change did (or, with `dryRun`, would do) to a declaration and its values. */
export interface AttributeChangeReport {
  previous: AttributeDefinitionRow;
  attribute: AttributeDefinitionRow;
  /** `field: before → after` for each field that changes (`name: …` for a rename); empty for no change. */
  changes: string[];
  /** Users holding a value. */
  values: number;
  /** Values rewritten to the new type, or moved to the new name. */
  converted: number;
  dryRun: boolean;
}

export interface AttributeService {
  /** Declares a new attribute (409 when the name is declared); records `attribute.added`. */
  add(input: DeclareAttributeInput): Promise<AttributeDefinitionRow>;
  /**
   * Declares an attribute, or sets the constraints of a declared one to exactly these (omitted ones are
   * removed), checked against the existing values as `change` does. Its type does not change here.
   */
  declare(input: DeclareAttributeInput): Promise<AttributeDefinitionRow>;
  /**
   * Changes a declaration and migrates its values in one transaction (recording `attribute.changed`): a new
   * type converts every value or nothing (409 naming how many would not convert, with example users); a
   * tightened constraint is refused (409) while any value breaks it; a loosened one always succeeds.
   */
  change(name: string, change: AttributeChange, options?: { dryRun?: boolean }): Promise<AttributeChangeReport>;
  /** Renames a declaration and moves every user's value (so `custom:` claims follow) in one transaction. */
  rename(from: string, to: string, options?: { dryRun?: boolean }): Promise<AttributeChangeReport>;
  /** Removes a declaration; one that still holds values only with `force`, deleting them in the same transaction. */
  remove(name: string, options?: { force?: boolean }): Promise<{ name: string; valuesDeleted: number }>;
  list(): Promise<AttributeDefinitionRow[]>;
}

/** A declaration as given, or a 400 naming every field that is wrong. */
function newDefinition(input: DeclareAttributeInput): AttributeDefinitionRow {
  const name = attributeName(input.name);
  const def: AttributeDefinitionRow = {
    name,
    type: input.type as AttributeType,
    required: input.required ?? false,
    mutable: input.mutable ?? true,
    min_length: input.minLength ?? null,
    max_length: input.maxLength ?? null,
    min_value: input.min ?? null,
    max_value: input.max ?? null,
  };
  const nameProblem = attributeNameProblem(name);
  const problems = [...(nameProblem ? [{ path: 'name', message: nameProblem }] : []), ...definitionProblems(def)];
  if (problems.length) throw new InvalidRequestError('invalid attribute', problems);
  return def;
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === '23505';

/**
 * `poolSettingsChanged`: told after a rename or removal, which may have moved a sign-up requirement in the
 * pool's settings row, so that this process's copy of it (user-pool-settings.ts) is read again at once.
 */
export function createAttributeService(deps: { db: Database; poolSettingsChanged?: () => void }): AttributeService {
  const { db } = deps;
  async function changingPoolSettings<T>(change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } finally {
      deps.poolSettingsChanged?.();
    }
  }

  async function lockDeclared(tx: Queryable, name: string): Promise<AttributeDefinitionRow> {
    const current = await lockAttributeDefinitionByName(tx, name);
    if (!current) throw new NotFoundError(`no attribute custom:${name}`);
    return current;
  }

  async function addIn(tx: Queryable, def: AttributeDefinitionRow): Promise<AttributeDefinitionRow> {
    // Additions serialise, so two of them cannot both pass the limit.
    await lockAttributeDefinitionsForAdding(tx);
    if ((await countAttributeDefinitions(tx)) >= MAX_CUSTOM_ATTRIBUTES) throw new InvalidRequestError(`at most ${MAX_CUSTOM_ATTRIBUTES} custom attributes`);
    if (!(await insertAttributeDefinition(tx, def))) throw new ConflictError(`custom:${def.name} is already declared`);
    await recordAudit(tx, { type: 'attribute.added', details: { name: `custom:${def.name}`, type: def.type, constraints: describeConstraints(def) } });
    return def;
  }

  /** The change of a locked declaration: check the values, then write the declaration and convert them. */
  async function changeIn(tx: Queryable, current: AttributeDefinitionRow, change: AttributeChange, dryRun: boolean): Promise<AttributeChangeReport> {
    const next = plannedDefinition(current, change);
    const changes = describeDefinitionChanges(current, next);
    const report = { previous: current, attribute: next, changes, dryRun };
    // No change, no write and no event: declaring the same thing twice is not an administrative act.
    if (!changes.length) return { ...report, values: await countAttributeValues(tx, current.name), converted: 0 };
    const measure = await assertValuesFit(tx, current, next);
    if (dryRun) return { ...report, values: measure.values, converted: measure.converting };
    await updateAttributeDefinition(tx, next);
    let converted = 0;
    if (next.type !== current.type) {
      converted = await convertAttributeValues(tx, current.name, next.type);
      // Re-checked in the transaction: a value of the old type must never survive a type change.
      if (converted !== measure.converting || (await countValuesNotOfType(tx, current.name, next.type)) > 0) {
        throw new ConflictError(`the values of custom:${current.name} changed during the change; nothing was changed, try again`);
      }
    }
    await recordAudit(tx, { type: 'attribute.changed', details: { name: `custom:${current.name}`, changes, values_converted: converted } });
    return { ...report, values: measure.values, converted };
  }

  return {
    async add(input) {
      const def = newDefinition(input);
      return db.transaction((tx) => addIn(tx, def));
    },

    async declare(input) {
      const def = newDefinition(input);
      return db.transaction(async (tx) => {
        const current = await lockAttributeDefinitionByName(tx, def.name);
        if (!current) return addIn(tx, def);
        if (current.type !== def.type) {
          throw new InvalidRequestError(`attribute custom:${def.name} is a ${current.type}; a declared type cannot change by declaring it again (use attribute change --type)`);
        }
        const { attribute } = await changeIn(tx, current, {
          required: def.required, mutable: def.mutable, minLength: def.min_length, maxLength: def.max_length, minValue: def.min_value, maxValue: def.max_value,
        }, false);
        return attribute;
      });
    },

    async change(name, change, options = {}) {
      if (Object.values(change).every((value) => value === undefined)) throw new InvalidRequestError('nothing to change: give a type or a constraint');
      return db.transaction(async (tx) => changeIn(tx, await lockDeclared(tx, attributeName(name)), change, options.dryRun ?? false));
    },

    async rename(fromInput, toInput, options = {}) {
      const from = attributeName(fromInput);
      const to = attributeName(toInput);
      const problem = attributeNameProblem(to);
      if (problem) throw new InvalidRequestError('invalid attribute name', [{ path: 'name', message: problem }]);
      if (from === to) throw new InvalidRequestError(`custom:${from} already has that name`);
      return changingPoolSettings(() => db.transaction(async (tx) => {
        const current = await lockDeclared(tx, from);
        if (await lockAttributeDefinitionByName(tx, to)) throw new ConflictError(`custom:${to} is already declared`);
        const renamed = { ...current, name: to };
        const report = { previous: current, attribute: renamed, changes: [`name: custom:${from} → custom:${to}`], dryRun: options.dryRun ?? false };
        const values = await countAttributeValues(tx, from);
        if (options.dryRun) return { ...report, values, converted: values };
        try {
          await renameAttributeDefinition(tx, from, to);
        } catch (error) {
          if (isUniqueViolation(error)) throw new ConflictError(`custom:${to} is already declared`);
          throw error;
        }
        const moved = await renameAttributeValues(tx, from, to);
        // A sign-up requirement follows the attribute; otherwise the form would ask for an undeclared one.
        await renameSignupRequirement(tx, `custom:${from}`, `custom:${to}`);
        await recordAudit(tx, { type: 'attribute.changed', details: { name: `custom:${from}`, renamed_to: `custom:${to}`, values_moved: moved } });
        return { ...report, values, converted: moved };
      }));
    },

    async remove(nameInput, options = {}) {
      const name = attributeName(nameInput);
      return changingPoolSettings(() => db.transaction(async (tx) => {
        await lockDeclared(tx, name);
        const values = await countAttributeValues(tx, name);
        if (values > 0 && !options.force) {
          throw new ConflictError(`custom:${name} still holds ${values === 1 ? '1 value' : `${values} values`}; removing it deletes ${values === 1 ? 'it' : 'them'}: force the removal (--force) to confirm`);
        }
        const deleted = await deleteAttributeValues(tx, name);
        await deleteAttributeDefinition(tx, name);
        await removeSignupRequirement(tx, `custom:${name}`);
        await recordAudit(tx, { type: 'attribute.removed', details: { name: `custom:${name}`, values_deleted: deleted } });
        return { name, valuesDeleted: deleted };
      }));
    },

    list: () => listAttributeDefinitions(db),
  };
}
