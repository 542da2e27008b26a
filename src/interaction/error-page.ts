import { errors } from 'oidc-provider';
import type { ErrorSerializer } from '../http/error-surfaces/surface.js';
import { explainError, type ErrorExplanation } from './error-explanation.js';
import type { Views } from './views.js';

/** What error.njk shows: the person's sentence, and for the app's developer the OAuth code and description. */
export interface ErrorPageData {
  explanation: ErrorExplanation;
  code: string;
  description: string;
  requestId?: string | undefined;
}

/** Renders error.njk (the title names the problem; the layout prefixes "Error: "). */
export function renderErrorPage(views: Views, ctx: Parameters<ErrorSerializer>[0], data: ErrorPageData, status: number): void {
  const { explanation } = data;
  views.render(ctx, 'error.njk', {
    title: explanation.title,
    error: explanation.sentence,
    startAgain: explanation.startAgain,
    code: data.code,
    // The developer's description only when it says more than the sentence above it.
    description: data.description !== explanation.sentence ? data.description : undefined,
    requestId: data.requestId,
  }, status);
}

/**
 * The hosted-page error surface: the product's error page. Errors oidc-provider raised (seen through the
 * cause `toAppError` keeps, by class) get a sentence for the person; Latchkey's own keep their description.
 */
export function createErrorPage(views: Views): ErrorSerializer {
  return (ctx, error, requestId) => {
    const explanation = explainError({
      code: error.code,
      description: error.message,
      status: error.status,
      sessionNotFound: error.cause instanceof errors.SessionNotFound,
      fromProvider: error.cause instanceof errors.OIDCProviderError,
    });
    renderErrorPage(views, ctx, { explanation, code: error.code, description: error.message, requestId }, error.status);
  };
}
