import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';
import type { Context } from 'koa';

/** Content Security Policy for hosted pages: no script at all, styles from our origin only. */
const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";
/**
 * The policy of a page that loads one of our script files (`data.scripts`, the passkey pages): scripts from
 * our origin only (no inline script, no eval) and requests back to it (the options fetch). No `form-action`:
 * Chromium applies it to the redirects after a form post too, and a finished sign-in redirects to the app.
 * Every other page keeps PAGE_CSP, without any script.
 */
const SCRIPT_PAGE_CSP = `${PAGE_CSP}; script-src 'self'; connect-src 'self'`;

export interface Views {
  /** Renders a template (auto-escaped) with security headers and no caching. */
  render(ctx: Context, template: string, data: Record<string, unknown>, status?: number): void;
  /** Latchkey's stylesheet with the LATCHKEY_THEME_CSS theme, as read at start. */
  readonly stylesheet: string;
  /** Latchkey's stylesheet with a stored theme instead of LATCHKEY_THEME_CSS's (null: {@link stylesheet}). */
  stylesheetWith(storedTheme: string | null): string;
  /** The browser scripts in `views/static` by file name (served as files under /static/). */
  readonly scripts: Readonly<Record<string, string>>;
}

/** Finds `views/` at the package root, from `src/interaction` or `dist/src/interaction`. */
export function defaultViewsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i += 1) {
    const candidate = join(dir, 'views');
    try {
      readFileSync(join(candidate, 'layout.njk'));
      return candidate;
    } catch { /* keep climbing */ }
    dir = dirname(dir);
  }
  throw new Error('views directory not found');
}

export function createViews(options: { dir: string; productName?: string; themeCssFile?: string | null }): Views {
  // autoescape: every interpolation is HTML-escaped unless a template says `| safe` on trusted markup.
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(options.dir, { noCache: false }), { autoescape: true, throwOnUndefined: false });
  const productName = options.productName ?? 'Latchkey';
  // A theme's stylesheet is appended, so it overrides the custom properties and rules it names.
  const theme = options.themeCssFile ? `\n/* theme */\n${readTheme(options.themeCssFile)}` : '';
  const base = readFileSync(join(options.dir, 'static', 'latchkey.css'), 'utf8');
  const stylesheet = base + theme;
  let withStored: { theme: string; stylesheet: string } | undefined;
  const scripts = Object.fromEntries(readdirSync(join(options.dir, 'static')).filter((name) => name.endsWith('.js')).map((name) => [name, readFileSync(join(options.dir, 'static', name), 'utf8')]));
  const renderToString = (template: string, data: Record<string, unknown>) => env.render(template, { productName, ...data });
  return {
    stylesheet,
    stylesheetWith(storedTheme) {
      if (storedTheme === null) return stylesheet;
      if (withStored?.theme !== storedTheme) withStored = { theme: storedTheme, stylesheet: `${base}\n/* theme */\n${storedTheme}` };
      return withStored.stylesheet;
    },
    scripts,
    render(ctx, template, data, status = 200) {
      ctx.status = status;
      ctx.type = 'text/html; charset=utf-8';
      // A page names the script files it loads (layout.njk); only then may it run script.
      const withScripts = Array.isArray(data.scripts) && data.scripts.length > 0;
      ctx.set('Content-Security-Policy', withScripts ? SCRIPT_PAGE_CSP : PAGE_CSP);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = renderToString(template, data);
    },
  };
}

function readTheme(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`LATCHKEY_THEME_CSS: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
}
