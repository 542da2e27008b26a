import { createHash } from 'node:crypto';

/**
 * Names for parameterized statements, so that each connection has Postgres parse and plan a statement once
 * and then only binds and executes it. For the hot path's index lookups the plan costs several times the
 * execution: the userinfo statement planned in 1.7–2.6 ms and ran in 0.4–0.5 ms (EXPLAIN ANALYZE, Postgres
 * 15). After five executions Postgres keeps a generic plan when it costs no more than the custom ones
 * (plan_cache_mode auto), so a statement whose best plan depends on its values is still planned per value.
 *
 * Only statements with parameters are named: they already go through the extended protocol, which takes one
 * statement per message, so a multi-statement text (a migration) is never prepared. The number of names is
 * bounded, so statements built from a variable number of parts (audit filters, a search's conditions) cannot
 * hold an unbounded number of plans on each connection; past the bound a statement runs unnamed, as before.
 * A name is a hash of the text: a given text has the same name on every connection and in every replica.
 */
export interface StatementNames {
  /** The name to prepare `text` under, or undefined to run it unnamed (no parameters, bound reached, given up). */
  nameFor(text: string, params: readonly unknown[]): string | undefined;
  /**
   * Whether `error` says a connection's prepared plan no longer fits the table it reads (a replica migrated a
   * column away under it: "cached plan must not change result type"). The text is then never named again,
   * so the statement heals once it runs unnamed.
   */
  refusedPlan(text: string, error: unknown): boolean;
}

/** SQLSTATE 0A000 (feature_not_supported) is what Postgres raises for a prepared plan whose result type changed. */
const RESULT_TYPE_CHANGED = /cached plan must not change result type/;

export function createStatementNames(options: { limit?: number } = {}): StatementNames {
  const limit = options.limit ?? 256;
  const names = new Map<string, string>();
  const unnamed = new Set<string>();
  return {
    nameFor(text, params) {
      if (params.length === 0 || unnamed.has(text)) return undefined;
      const known = names.get(text);
      if (known !== undefined || names.size >= limit) return known;
      // 80 bits of SHA-256 in a Postgres identifier (at most 63 bytes): a collision would need 2^40 texts.
      const name = `lk_${createHash('sha256').update(text).digest('hex').slice(0, 20)}`;
      names.set(text, name);
      return name;
    },
    refusedPlan(text, error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (code !== '0A000' || !(error instanceof Error) || !RESULT_TYPE_CHANGED.test(error.message)) return false;
      names.delete(text);
      unnamed.add(text);
      return true;
    },
  };
}
