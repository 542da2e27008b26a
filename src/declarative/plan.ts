import type { SectionName } from './desired-state.js';

export type PlanAction = 'add' | 'change' | 'unchanged' | 'remove';

/** One entry of a plan: an entry of a section (a client, a group…) or a whole settings section (`key` empty). */
export interface PlanEntry {
  section: SectionName;
  key: string;
  action: PlanAction;
  /** For `change`: the fields that differ, in the file's vocabulary (a secret shows as its field, never its value). */
  fields: string[];
}

/** A plan entry with the write that carries it out (none for `unchanged`). */
export interface PlannedStep extends PlanEntry {
  run?: () => Promise<void>;
}

/** What applying a file does (or, with a dry run, would do). */
export interface Plan {
  entries: PlanEntry[];
  counts: Record<PlanAction, number>;
  dryRun: boolean;
  prune: boolean;
}

/** The plan's entries with their counts. */
export function summarizePlan(steps: readonly PlanEntry[], options: { dryRun: boolean; prune: boolean }): Plan {
  const counts: Record<PlanAction, number> = { add: 0, change: 0, unchanged: 0, remove: 0 };
  for (const step of steps) counts[step.action] += 1;
  return { entries: steps.map(({ section, key, action, fields }) => ({ section, key, action, fields })), counts, ...options };
}
