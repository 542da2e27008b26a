import type { FieldProblem } from '../errors/app-error.js';
import type { DeclarativeServices } from './declarative-services.js';
import type { SectionName } from './desired-state.js';
import type { PlannedStep } from './plan.js';

/** What planning a section gets: the services (over the apply's transaction), the prune choice, and where to report conflicts. */
export interface PlanContext {
  services: DeclarativeServices;
  prune: boolean;
  /** Things the file asks for that cannot be done (a client's type changing), reported together before any write. */
  problems: FieldProblem[];
}

/** A section whose entries are keyed by name: how to compare one entry, and how to add, change and remove one. */
export interface KeyedSection<D, C> {
  section: SectionName;
  desired: Readonly<Record<string, D>>;
  current: ReadonlyMap<string, C>;
  prune: boolean;
  /** The fields that differ; empty when the entry is unchanged. */
  changes(key: string, desired: D, current: C): string[] | Promise<string[]>;
  add(key: string, desired: D): Promise<void>;
  change(key: string, desired: D, current: C, fields: readonly string[]): Promise<void>;
  remove(key: string, current: C): Promise<void>;
}

/**
 * Plans a keyed section: `add` for an entry Latchkey lacks, `change` (with its fields) or `unchanged` for one it
 * has, and, only when pruning, `remove` for an entry Latchkey has and the file's section does not name.
 */
export async function planKeyedSection<D, C>(spec: KeyedSection<D, C>): Promise<PlannedStep[]> {
  const steps: PlannedStep[] = [];
  const { section } = spec;
  for (const [key, desired] of Object.entries(spec.desired)) {
    const current = spec.current.get(key);
    if (current === undefined) {
      steps.push({ section, key, action: 'add', fields: [], run: () => spec.add(key, desired) });
      continue;
    }
    const fields = await spec.changes(key, desired, current);
    steps.push(fields.length > 0
      ? { section, key, action: 'change', fields, run: () => spec.change(key, desired, current, fields) }
      : { section, key, action: 'unchanged', fields: [] });
  }
  if (spec.prune) {
    for (const [key, current] of spec.current) {
      if (!Object.hasOwn(spec.desired, key)) steps.push({ section, key, action: 'remove', fields: [], run: () => spec.remove(key, current) });
    }
  }
  return steps;
}

/** Plans a settings section (one object, never removed): `change` with its fields, or `unchanged`. */
export function planSingleton(section: SectionName, fields: readonly string[], run: () => Promise<void>): PlannedStep {
  return fields.length > 0 ? { section, key: '', action: 'change', fields: [...fields], run } : { section, key: '', action: 'unchanged', fields: [] };
}

/** Only the changed fields of `values`, for a service's update (an omitted field stays as it is). */
export function pick<T extends object>(values: T, fields: readonly string[]): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([key]) => fields.includes(key))) as Partial<T>;
}
