import { AppError, InvalidRequestError } from '../../errors/app-error.js';

/** What a refused console form shows: the service's own sentence, and its field problems by field. */
export interface FormProblems {
  error: string;
  fieldErrors: Record<string, string>;
  status: number;
}

/**
 * A service's refusal of a form (invalid input, a name taken, a missing role) as page problems, so the form
 * comes back with what was typed; anything else (a 5xx) is not a form problem and goes on to the error page.
 */
export function formProblems(error: unknown): FormProblems | undefined {
  if (!(error instanceof AppError) || error.status >= 500 || error.status === 403) return undefined;
  const fieldErrors: Record<string, string> = {};
  if (error instanceof InvalidRequestError) for (const problem of error.details ?? []) fieldErrors[problem.path] ??= problem.message;
  const error400 = error instanceof InvalidRequestError ? 'The form has mistakes; nothing was changed.' : error.message;
  return { error: error400, fieldErrors, status: error.status };
}
