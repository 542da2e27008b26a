import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderFlameGraph, topSelfTimes, type Frame } from './flame-graph.js';

/** A target's CPU profile over the whole run (`--profile`). */
export interface TargetProfile {
  target: string;
  tree: Frame;
}

const TOP_FUNCTIONS = 12;

function slug(target: string): string {
  return target.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;');
}

/**
 * Writes each profile's flame graph beside the report (`<stamp>-profile-<target>.svg`) and returns the
 * report's "Profiles" section: the graph and the functions with the most self time, per target.
 */
export function writeProfiles(profiles: readonly TargetProfile[], outDir: string, stamp: string): string[] {
  if (profiles.length === 0) return [];
  const lines = ['', '## Profiles', '', 'CPU profiles (`node --cpu-prof`) of each Latchkey process over all of its scenarios, start-up included; idle time is left out.'];
  for (const profile of profiles) {
    const file = `${stamp}-profile-${slug(profile.target)}.svg`;
    writeFileSync(join(outDir, file), renderFlameGraph(profile.tree, `${profile.target}: CPU profile`));
    lines.push('', `### ${cell(profile.target)}`, '', `![Flame graph of ${cell(profile.target)}](${file})`, '', '| self time | share | function | where |', '|---:|---:|---|---|');
    for (const entry of topSelfTimes(profile.tree, TOP_FUNCTIONS)) {
      lines.push(`| ${(entry.us / 1000).toFixed(0)} ms | ${(entry.share * 100).toFixed(1)} % | ${cell(entry.name)} | ${cell(entry.location || '(native)')} |`);
    }
  }
  return lines;
}
