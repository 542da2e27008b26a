import type { ErrorSerializer } from '../http/error-surfaces/surface.js';
import type { Views } from './views.js';

/** The hosted-page error surface: the product's error page, with the error's public description and code. */
export function createErrorPage(views: Views): ErrorSerializer {
  return (ctx, error) => views.render(ctx, 'error.njk', { title: 'Something went wrong', error: error.message, code: error.code }, error.status);
}
