/** Element types the hot path passes as arrays. */
export type ArrayElementType = 'text' | 'uuid';

/**
 * An array parameter that a prepared statement's plan does not depend on: `$n` read through a scalar subquery,
 * `(SELECT $n::type[])::type[]`, for `= ANY(…)` and `unnest(…)` in statements the hot path runs on every request.
 *
 * Postgres plans a prepared statement's first five executions with the parameters' values (custom plans) and then
 * keeps the generic plan only if it costs no more than those did (plan_cache_mode auto). A custom plan knows a
 * parameter array's length (`= ANY` and `unnest` estimate from it), the generic plan assumes ten elements; so a
 * statement over the one or two stored forms of a token id, or one token's liveness, always looked cheaper custom,
 * and Postgres planned it again on every execution. Measured on Postgres 15 with 16 clients, backend CPU per
 * execution: userinfo's statement 597 → 178 µs, the access-token liveness 400 → 91 µs, the refresh token's lookup
 * with its grant and user 593 → 115 µs, its rotation 426 → 199 µs. Read through the subquery (an InitPlan,
 * evaluated once per execution), the array is opaque to both plans alike, so the generic plan is kept, and it is
 * the plan wanted: the index conditions still take the array (`id = ANY ($0)` on the primary key), also on a
 * table that was never analyzed.
 *
 * `placeholder` is the statement's own `$n` (a constant of the calling repository, never input).
 */
export function arrayParameter(placeholder: `$${number}`, type: ArrayElementType): string {
  return `(SELECT ${placeholder}::${type}[])::${type}[]`;
}
