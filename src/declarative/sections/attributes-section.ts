import type { AttributeDocument } from '../config-document.schema.js';
import { changedFields } from '../changed-fields.js';
import type { DeclarativeServices } from '../declarative-services.js';
import { pick, planKeyedSection, type PlanContext } from '../keyed-section.js';
import type { PlannedStep } from '../plan.js';

const FIELDS = ['type', 'required', 'mutable', 'minLength', 'maxLength', 'minValue', 'maxValue'] as const;

/** Current declarations in the file's shape, by name (without `custom:`). */
async function currentAttributes(services: DeclarativeServices): Promise<Map<string, AttributeDocument>> {
  return new Map((await services.attributes.list()).map((row) => [row.name, {
    type: row.type, required: row.required, mutable: row.mutable,
    minLength: row.min_length, maxLength: row.max_length, minValue: row.min_value, maxValue: row.max_value,
  }]));
}

/**
 * Custom attributes: declared as `attribute add` declares them, changed as `attribute change` changes them (a
 * new type converts every value or the apply fails and changes nothing). Pruning removes a declaration only
 * while no user holds a value for it: the service refuses otherwise, and the whole apply with it, since
 * deleting people's data needs `attribute remove --force`.
 */
export async function planAttributes(ctx: PlanContext, desired: Readonly<Record<string, AttributeDocument>>): Promise<PlannedStep[]> {
  const { attributes } = ctx.services;
  return planKeyedSection({
    section: 'attributes', desired, current: await currentAttributes(ctx.services), prune: ctx.prune,
    changes: (_name, wanted, current) => changedFields(wanted, current, FIELDS),
    async add(name, a) {
      await attributes.add({ name, type: a.type, required: a.required, mutable: a.mutable, minLength: a.minLength, maxLength: a.maxLength, min: a.minValue, max: a.maxValue });
    },
    async change(name, wanted, _current, fields) {
      await attributes.change(name, pick(wanted, fields));
    },
    async remove(name) {
      await attributes.remove(name);
    },
  });
}

export async function exportAttributes(services: DeclarativeServices): Promise<Record<string, AttributeDocument>> {
  return Object.fromEntries(await currentAttributes(services));
}
