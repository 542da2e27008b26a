import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReportContent } from './report-content.js';
import { renderSvg } from './report-chart.js';
import { renderMarkdown } from './report-markdown.js';
import { writeProfiles, type TargetProfile } from './report-profiles.js';

export { renderMarkdown } from './report-markdown.js';
export { renderSvg } from './report-chart.js';
export type { ReportContent } from './report-content.js';

/**
 * Writes `<outDir>/<YYYY-MM-DD-HHMM>.md` and its chart `<…>.svg` (UTC), and copies both to `latest.md` and
 * `latest.svg`. The copy of the Markdown links the dated chart, which sits beside it. With `profiles`, their
 * flame graphs are written beside the report too, and linked from it.
 */
export function writeReport(input: ReportContent & { outDir: string; profiles?: readonly TargetProfile[] }): { markdown: string; markdownPath: string; svgPath: string } {
  const stamp = reportStamp(input.startedAt);
  const markdownPath = join(input.outDir, `${stamp}.md`);
  const svgPath = join(input.outDir, `${stamp}.svg`);
  mkdirSync(input.outDir, { recursive: true });
  const markdown = [renderMarkdown(input, `${stamp}.svg`).trimEnd(), ...writeProfiles(input.profiles ?? [], input.outDir, stamp), ''].join('\n');
  writeFileSync(markdownPath, markdown);
  writeFileSync(svgPath, renderSvg(input));
  copyFileSync(markdownPath, join(input.outDir, 'latest.md'));
  copyFileSync(svgPath, join(input.outDir, 'latest.svg'));
  return { markdown, markdownPath, svgPath };
}

/** `2026-12-02-0441` for 04:41 UTC. */
export function reportStamp(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}`;
}
