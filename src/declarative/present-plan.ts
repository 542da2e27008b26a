import type { Plan } from './plan.js';

/** The plan as `--json` prints it (snake_case, as every JSON Latchkey prints). */
export function presentPlan(plan: Plan) {
  return {
    dry_run: plan.dryRun,
    prune: plan.prune,
    counts: plan.counts,
    entries: plan.entries.map((entry) => ({ section: entry.section, key: entry.key || null, action: entry.action, fields: entry.fields })),
  };
}

/** One line of counts: `2 to add, 1 to change, 5 unchanged, 0 to remove`, or in the past tense once applied. */
export function planSummary(plan: Plan): string {
  const { add, change, unchanged, remove } = plan.counts;
  return plan.dryRun
    ? `${add} to add, ${change} to change, ${unchanged} unchanged, ${remove} to remove (dry run: nothing was written)`
    : `${add} added, ${change} changed, ${unchanged} unchanged, ${remove} removed`;
}
