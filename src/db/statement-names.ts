import { createHash } from 'node:crypto';

/**
 * Names for parameterized statements, so that each connection has Postgres parse and plan a statement once
 * and then only binds and executes it. For the hot path's index lookups parsing and planning cost more than
 * the execution: the userinfo statement took 0.57 ms a call unprepared and 0.21 ms prepared (pgbench, one
 * warm connection, Postgres 15). After five executions Postgres keeps a generic plan when it costs no more than the custom ones
 * (plan_cache_mode auto), so a statement whose best plan depends on its values is still planned per value. A
 * statement over a short array parameter always looked cheaper planned per value, and was planned at every
 * execution: the hot path's statements read their arrays through array-parameter.ts, which keeps their generic plan.
 *
 * Only statements with parameters are named: they already go through the extended protocol, which takes one
 * statement per message, so a multi-statement text (a migration) is never prepared. The number of names is
 * bounded, so statements built from a variable number of parts (audit filters, a search's conditions) cannot
 * hold an unbounded number of plans on each connection; past the bound a statement runs unnamed, as before.
 * A name is a hash of the text: a given text has the same name on every connection and in every replica.
 *
 * A generic plan is made for the tables as they are then, and kept until something invalidates it. One made
 * while a table was young (a new pool's first minutes) keeps scanning what has since grown: the refresh
 * grant's rotation, planned on 17 rows, scanned every refresh token by model, and its execution went from
 * 0.2 to 1.3 ms as the table grew. ANALYZE invalidates plans, but autovacuum runs it once a minute at most
 * and only past its thresholds. So each connection discards its plans (DISCARD PLANS keeps the statements)
 * every `replanAfterMs`, and its next run of each statement is planned for the tables as they are now.
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
  /** Whether `connection` should discard its plans before its next statement (each connection every `replanAfterMs`). */
  replanDue(connection: object): boolean;
}

/** SQLSTATE 0A000 (feature_not_supported) is what Postgres raises for a prepared plan whose result type changed. */
const RESULT_TYPE_CHANGED = /cached plan must not change result type/;

export function createStatementNames(options: { limit?: number; replanAfterMs?: number; now?: () => number } = {}): StatementNames {
  const limit = options.limit ?? 256;
  const replanAfterMs = options.replanAfterMs ?? 10_000;
  const now = options.now ?? Date.now;
  const plannedSince = new WeakMap<object, number>();
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
    replanDue(connection) {
      const at = now();
      const since = plannedSince.get(connection);
      if (since !== undefined && at - since < replanAfterMs) return false;
      plannedSince.set(connection, at);
      // A new connection has no plans yet.
      return since !== undefined;
    },
  };
}
