import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeProfiles } from '../../bench/report-profiles.js';
import { callTree, renderFlameGraph, topSelfTimes, type CpuProfile } from '../../bench/flame-graph.js';

/** (root) → main → { sign (30 µs self), log (10 µs) → write (20 µs) }, plus 100 µs idle. */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 6] },
    { id: 2, callFrame: { functionName: 'main', url: 'file:///app/dist/src/main.js', lineNumber: 0 }, children: [3, 4] },
    { id: 3, callFrame: { functionName: 'sign', url: 'file:///app/node_modules/jose/dist/sign.js', lineNumber: 9 } },
    { id: 4, callFrame: { functionName: 'log', url: 'file:///app/node_modules/pino/pino.js', lineNumber: 4 }, children: [5] },
    { id: 5, callFrame: { functionName: 'write', url: 'node:fs', lineNumber: 99 } },
    { id: 6, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
  ],
  samples: [3, 5, 3, 4, 6, 5, 3],
  timeDeltas: [10, 10, 10, 10, 100, 10, 10],
};

describe('flame graph', () => {
  it('builds the busy call tree with self and total time, idle samples left out', () => {
    const tree = callTree(profile);
    expect(tree.totalUs).toBe(60);
    const [main] = tree.children;
    expect(main).toMatchObject({ name: 'main', location: 'src/main.js:1', selfUs: 0, totalUs: 60 });
    expect(main!.children.map((f) => [f.name, f.selfUs, f.totalUs])).toEqual([['sign', 30, 30], ['log', 10, 30]]);
    expect(main!.children[1]!.children[0]).toMatchObject({ name: 'write', location: 'node:fs:100', totalUs: 20 });
  });

  it('ranks functions by self time with their share of busy time', () => {
    expect(topSelfTimes(callTree(profile), 2)).toEqual([
      { name: 'sign', location: 'jose/dist/sign.js:10', us: 30, share: 0.5 },
      { name: 'write', location: 'node:fs:100', us: 20, share: 20 / 60 },
    ]);
  });

  it('renders every visible frame with a tooltip, widths proportional to time, text escaped', () => {
    const svg = renderFlameGraph(callTree(profile), 'Latchkey <Postgres> & co');
    expect(svg).toContain('<title>Latchkey &lt;Postgres&gt; &amp; co</title>');
    expect(svg).toContain('<title>sign (jose/dist/sign.js:10): 0.0 ms, 50.0 %</title><rect x="0.00" y="90" width="600.00"');
    expect(svg).toContain('<title>log (pino/pino.js:5): 0.0 ms, 50.0 %</title><rect x="600.00"');
    expect(svg).not.toContain('(idle)');
  });
});

describe('profiles in the report', () => {
  it('writes each flame graph beside the report and lists the hot functions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-profiles-'));
    try {
      const lines = writeProfiles([{ target: 'latchkey (Postgres)', tree: callTree(profile) }], dir, '2026-12-02-0900');
      expect(lines).toContain('![Flame graph of latchkey (Postgres)](2026-12-02-0900-profile-latchkey-postgres.svg)');
      expect(lines).toContain('| 0 ms | 50.0 % | sign | jose/dist/sign.js:10 |');
      expect(readFileSync(join(dir, '2026-12-02-0900-profile-latchkey-postgres.svg'), 'utf8')).toMatch(/^<svg /);
      expect(writeProfiles([], dir, 'x')).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
