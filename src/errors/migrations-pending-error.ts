import { AppError } from './app-error.js';

/**
 * 503 `migrations_pending`: the database lacks migrations this build needs. Only `latchkey migrate` and
 * `latchkey serve` change the schema, so every other command stops here instead of migrating behind the
 * operator's back (a rolling upgrade decides when the schema moves, not whichever CLI runs first).
 */
export class MigrationsPendingError extends AppError {
  /** The missing migrations, as `NNNN_name`. */
  readonly pending: readonly string[];
  constructor(pending: readonly string[]) {
    super(503, 'migrations_pending', `the database is missing ${pending.length} migration(s) this version of Latchkey needs (${pending.join(', ')}); run \`latchkey migrate\` first`);
    this.pending = pending;
  }
}
