import type { AttributeChangeReport } from './attribute-service.js';
import type { AttributeDefinitionRow } from './repositories/attribute.repository.js';

/** A declaration as it leaves the server (CLI JSON, admin API): an explicit whitelist, with its claim name. */
export interface PresentedAttribute {
  name: string;
  claim: string;
  type: AttributeDefinitionRow['type'];
  required: boolean;
  mutable: boolean;
  min_length: number | null;
  max_length: number | null;
  min_value: number | null;
  max_value: number | null;
}

export function presentAttribute(def: AttributeDefinitionRow): PresentedAttribute {
  return {
    name: def.name,
    claim: `custom:${def.name}`,
    type: def.type,
    required: def.required,
    mutable: def.mutable,
    min_length: def.min_length,
    max_length: def.max_length,
    min_value: def.min_value,
    max_value: def.max_value,
  };
}

/** A schema change's outcome: the declaration before and after, what changed, and what became of the values. */
export function presentAttributeChange(report: AttributeChangeReport): Record<string, unknown> {
  return {
    attribute: presentAttribute(report.attribute),
    previous: presentAttribute(report.previous),
    changes: report.changes,
    values: report.values,
    values_converted: report.converted,
    dry_run: report.dryRun,
  };
}
