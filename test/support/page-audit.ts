import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { blockingViolations, runAxe } from './axe.js';

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

/** Where a test's screenshots go: `test-artifacts/screenshots/<suite>` under the repository (gitignored). */
export function screenshotDir(suite: string): string {
  return path.resolve(import.meta.dirname, '../../test-artifacts/screenshots', suite);
}

/**
 * Checks the page as it is now and keeps a picture of it:
 * - axe-core (WCAG 2.1 A/AA) in the light and the dark color scheme, the stylesheet having both; a serious or
 *   critical violation fails the test (softly, so one run lists every page's findings);
 * - at 390 px wide, nothing wider than the screen (no sideways scrolling);
 * - full-page screenshots `<step>-1280.png` and `<step>-390.png` in `dir`, created if missing.
 * The page is left at the desktop size in the light scheme.
 */
export async function auditPage(page: Page, dir: string, step: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const found = blockingViolations(await runAxe(page));
    expect.soft(found, `axe (${colorScheme} scheme) on ${step} (${page.url()}):\n${found.join('\n')}`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: path.join(dir, `${step}-${DESKTOP.width}.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  const width = await page.evaluate<number>('document.documentElement.scrollWidth');
  expect.soft(width, `${step} scrolls sideways at ${PHONE.width} px`).toBeLessThanOrEqual(PHONE.width);
  await page.screenshot({ path: path.join(dir, `${step}-${PHONE.width}.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
}
