import type { FieldProblem } from '../errors/app-error.js';

/**
 * A configuration file that cannot be applied: unreadable, not YAML or JSON, against its schema, naming a
 * missing environment variable or something that does not exist. Lists every problem at once, each at its
 * place in the file (`clients.web.redirectUris[0]: …`); nothing was written. Not an AppError: it reaches
 * the operator's terminal or log (exit status 2, or a server that does not start), never an HTTP client.
 */
export class ConfigFileError extends Error {
  readonly file: string;
  readonly problems: readonly FieldProblem[];
  constructor(file: string, problems: readonly FieldProblem[]) {
    super(`${file}: ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}, nothing was applied:${problems.map((p) => `\n  - ${p.path}: ${p.message}`).join('')}`);
    this.name = 'ConfigFileError';
    this.file = file;
    this.problems = problems;
  }
}
