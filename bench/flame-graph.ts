/** A V8 CPU profile as `node --cpu-prof` writes it (the parts read here). */
export interface CpuProfile {
  nodes: readonly { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: readonly number[] }[];
  samples: readonly number[];
  timeDeltas: readonly number[];
}

/** A frame of the merged call tree: its own time and its callees' (µs). */
export interface Frame {
  name: string;
  location: string;
  selfUs: number;
  totalUs: number;
  children: Frame[];
}

/** One function's time spent in itself, summed over every call path. */
export interface SelfTime {
  name: string;
  location: string;
  us: number;
  share: number;
}

/** Layout, in px. */
const WIDTH = 1200;
const ROW = 17;
const TOP = 56;
const MIN_WIDTH = 0.5;
const CHAR_WIDTH = 6.4;
/** Samples where V8 waited for work: not time Latchkey spent. */
const IDLE = '(idle)';

/** A library's file from its package name on; Latchkey's own from `src/` or `bench/` on. */
function shorten(url: string): string {
  if (url.includes('/node_modules/')) return url.replace(/^.*\/node_modules\//, '');
  return url.replace(/^.*\/dist\//, '').replace(/^file:\/\//, '');
}

function frameName(callFrame: CpuProfile['nodes'][number]['callFrame']): { name: string; location: string } {
  const name = callFrame.functionName || '(anonymous)';
  return { name, location: callFrame.url ? `${shorten(callFrame.url)}:${callFrame.lineNumber + 1}` : '' };
}

/** The busy call tree (idle samples left out): V8's node tree with each node's sampled time. */
export function callTree(profile: CpuProfile): Frame {
  const sampled = new Map<number, number>();
  profile.samples.forEach((id, i) => sampled.set(id, (sampled.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const childIds = new Set(profile.nodes.flatMap((node) => node.children ?? []));
  const build = (id: number): Frame | null => {
    const node = byId.get(id)!;
    const { name, location } = frameName(node.callFrame);
    if (name === IDLE) return null;
    const children = (node.children ?? []).map(build).filter((frame): frame is Frame => frame !== null && frame.totalUs > 0);
    const selfUs = sampled.get(id) ?? 0;
    children.sort((a, b) => b.totalUs - a.totalUs);
    return { name, location, selfUs, totalUs: selfUs + children.reduce((sum, child) => sum + child.totalUs, 0), children };
  };
  const roots = profile.nodes.filter((node) => !childIds.has(node.id)).map((node) => build(node.id)).filter((frame): frame is Frame => frame !== null);
  const children = roots.flatMap((root) => (root.name === '(root)' ? root.children : [root]));
  return { name: 'all', location: '', selfUs: 0, totalUs: children.reduce((sum, child) => sum + child.totalUs, 0), children };
}

/** The functions with the most self time, over every path that reaches them. */
export function topSelfTimes(tree: Frame, count: number): SelfTime[] {
  const totals = new Map<string, SelfTime>();
  const visit = (frame: Frame) => {
    if (frame.selfUs > 0) {
      const key = `${frame.name} ${frame.location}`;
      const entry = totals.get(key) ?? { name: frame.name, location: frame.location, us: 0, share: 0 };
      entry.us += frame.selfUs;
      totals.set(key, entry);
    }
    frame.children.forEach(visit);
  };
  visit(tree);
  return [...totals.values()]
    .map((entry) => ({ ...entry, share: tree.totalUs > 0 ? entry.us / tree.totalUs : 0 }))
    .sort((a, b) => b.us - a.us)
    .slice(0, count);
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Latchkey's own code warm, its libraries cooler, Node and V8 grey: where to look first stands out. */
function colour(frame: Frame): string {
  if (/^(src|bench)\//.test(frame.location)) return '#e8a33d';
  if (frame.location.startsWith('node:') || frame.location === '') return '#b8bec6';
  const hue = [...frame.location.split('/')[0]!].reduce((sum, char) => sum + char.charCodeAt(0), 0) % 60;
  return `hsl(${190 + hue}, 45%, 62%)`;
}

/**
 * The call tree as an icicle flame graph (callers above callees, width proportional to busy time), a
 * self-contained SVG: each frame's tooltip gives its function, file, time and share. Frames under half a
 * pixel are left out.
 */
export function renderFlameGraph(tree: Frame, title: string): string {
  const scale = tree.totalUs > 0 ? WIDTH / tree.totalUs : 0;
  const rects: string[] = [];
  let depthReached = 0;
  const place = (frame: Frame, x: number, depth: number) => {
    const width = frame.totalUs * scale;
    if (width < MIN_WIDTH) return;
    depthReached = Math.max(depthReached, depth);
    const y = TOP + depth * ROW;
    const share = tree.totalUs > 0 ? ((100 * frame.totalUs) / tree.totalUs).toFixed(1) : '0';
    const tip = `${frame.name}${frame.location ? ` (${frame.location})` : ''}: ${(frame.totalUs / 1000).toFixed(1)} ms, ${share} %`;
    const chars = Math.floor((width - 4) / CHAR_WIDTH);
    const label = chars >= 3 ? (frame.name.length > chars ? `${frame.name.slice(0, chars - 1)}…` : frame.name) : '';
    rects.push(`<g><title>${xml(tip)}</title><rect x="${x.toFixed(2)}" y="${y}" width="${width.toFixed(2)}" height="${ROW - 1}" fill="${colour(frame)}"/>`
      + (label ? `<text x="${(x + 2).toFixed(2)}" y="${y + ROW - 5}">${xml(label)}</text>` : '') + '</g>');
    let childX = x;
    for (const child of frame.children) {
      place(child, childX, depth + 1);
      childX += child.totalUs * scale;
    }
  };
  place(tree, 0, 0);
  const height = TOP + (depthReached + 1) * ROW + 8;
  const subtitle = `${(tree.totalUs / 1000).toFixed(0)} ms of busy CPU sampled (idle time left out); callers above callees; hover a frame for its time`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="monospace" font-size="11">`,
    `<title>${xml(title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="8" y="22" font-family="sans-serif" font-size="15" font-weight="bold">${xml(title)}</text>`,
    `<text x="8" y="42" font-family="sans-serif" font-size="12" fill="#444">${xml(subtitle)}</text>`,
    ...rects,
    '</svg>',
    '',
  ].join('\n');
}
