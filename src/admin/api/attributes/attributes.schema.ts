import { z } from 'zod';

const name = z.string().min(1).max(40).describe('the attribute\'s name, with or without `custom:`');
const type = z.enum(['string', 'number', 'boolean']);
const length = z.number().int().min(0).nullable();
const bound = z.number().nullable();

export const attributeSchema = z.object({
  name: z.string(),
  claim: z.string().describe('the claim it is released as (`custom:NAME`)'),
  type,
  required: z.boolean(),
  mutable: z.boolean().describe('users may change it on their account page'),
  min_length: z.number().int().nullable(),
  max_length: z.number().int().nullable(),
  min_value: z.number().nullable(),
  max_value: z.number().nullable(),
});

export const attributeListSchema = z.object({ attributes: z.array(attributeSchema) });

export const attributeParams = z.object({ name });

export const addAttributeBody = z.strictObject({
  name,
  type,
  required: z.boolean().optional(),
  mutable: z.boolean().optional().describe('default true'),
  min_length: length.optional().describe('strings only'),
  max_length: length.optional().describe('strings only'),
  min_value: bound.optional().describe('numbers only'),
  max_value: bound.optional().describe('numbers only'),
});

export const changeAttributeBody = z.strictObject({
  name: name.optional().describe('a new name: every user\'s value moves with it (alone: not with other changes)'),
  type: type.optional().describe('converts every value, or changes nothing (409) when one would not convert'),
  required: z.boolean().optional(),
  mutable: z.boolean().optional(),
  min_length: length.optional().describe('null removes the constraint'),
  max_length: length.optional(),
  min_value: bound.optional(),
  max_value: bound.optional(),
  dry_run: z.boolean().optional().describe('report what the change would do, and change nothing'),
}).refine((b) => Object.entries(b).some(([key, value]) => key !== 'dry_run' && value !== undefined), { message: 'give a new name, a type or a constraint' })
  .refine((b) => b.name === undefined || Object.entries(b).every(([key, value]) => key === 'name' || key === 'dry_run' || value === undefined), {
    message: 'a rename goes alone: change the type or constraints in another request', path: ['name'],
  });

export const attributeChangeSchema = z.object({
  attribute: attributeSchema.describe('the declaration after the change'),
  previous: attributeSchema,
  changes: z.array(z.string()).describe('`field: before → after` for each field that changes; empty for no change'),
  values: z.number().int().describe('users holding a value'),
  values_converted: z.number().int().describe('values rewritten to the new type, or moved to the new name'),
  dry_run: z.boolean(),
});

export const removeAttributeQuery = z.object({
  force: z.enum(['true', 'false']).optional().describe('true: remove an attribute that still holds values, deleting them (else 409)'),
});
