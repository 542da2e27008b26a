import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults, Result, RunOptions } from 'axe-core';
import type { Page } from 'playwright-core';

// Read once per test file: the minified source is about 550 KB.
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The WCAG 2.0 and 2.1 success criteria at levels A and AA. */
export const WCAG_21_AA_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] as const;

/** Impacts that fail a page; 'minor' and 'moderate' findings are printed by the caller if it wants them. */
const BLOCKING = new Set(['serious', 'critical']);

/**
 * Runs axe-core on the page as it is now and returns its results for the WCAG 2.1 A/AA rules.
 *
 * The hosted pages' CSP (`default-src 'none'`) refuses any script the page itself would load, inline or
 * not, so axe cannot be added with a script tag. Playwright's `evaluate` goes through the DevTools
 * protocol (Runtime.evaluate), which a page's CSP does not govern: the source runs as a classic script in
 * the page's main world and defines `window.axe` there.
 */
export async function runAxe(page: Page): Promise<AxeResults> {
  const loaded = await page.evaluate(`${AXE_SOURCE}\n;typeof window.axe === 'object'`);
  if (loaded !== true) throw new Error(`axe-core did not load on ${page.url()}`);
  // Expressions as strings: the test program has no DOM typings, and the page evaluates them anyway.
  const options: RunOptions = { runOnly: { type: 'tag', values: [...WCAG_21_AA_TAGS] }, resultTypes: ['violations'] };
  return page.evaluate<AxeResults>(`window.axe.run(document, ${JSON.stringify(options)})`);
}

/** The violations of impact serious or critical, each as `rule (impact): help [targets] helpUrl`. */
export function blockingViolations(results: AxeResults): string[] {
  return results.violations.filter((v) => v.impact && BLOCKING.has(v.impact)).map(describeViolation);
}

function describeViolation(violation: Result): string {
  const targets = violation.nodes.map((node) => `${node.target.join(' ')}${node.failureSummary ? ` (${node.failureSummary.replace(/\s+/g, ' ').trim()})` : ''}`);
  return `${violation.id} (${violation.impact}): ${violation.help} — ${targets.join('; ')} — ${violation.helpUrl}`;
}
