/** The largest stored theme or mail template part: far beyond a real one, small enough to hold in every replica. */
export const MAX_BRANDING_BYTES = 64 * 1024;

/** CSS hex escapes (`\69` is `i`), undone before checking so `@\69mport` is seen as `@import`. */
const unescapeCss = (css: string): string => css
  .replace(/\/\*[\s\S]*?\*\//g, '')
  .replace(/\\([0-9a-fA-F]{1,6})\s?/g, (_m, hex: string) => String.fromCodePoint(Math.min(Number.parseInt(hex, 16), 0x10ffff) || 0xfffd))
  .replace(/\\(.)/g, '$1');

/**
 * Why a theme stylesheet is refused, or an empty list. The hosted pages' CSP (`default-src 'none'; style-src
 * 'self'; img-src 'self' data:`) already keeps a browser from loading anything but Latchkey's own origin, so
 * a remote `@import`, font or image would simply not load; refusing them when the theme is stored says so to
 * the operator instead of leaving a theme that silently looks different, and keeps the stylesheet from ever
 * naming a third party that would learn who opens a sign-in page should the policy be loosened. Allowed:
 * any rule, custom properties, and `url()` of `data:` images or of paths on Latchkey's own origin. `</style`
 * is refused so the text stays safe should it ever be inlined in a page or a message.
 */
export function themeCssProblems(css: string): string[] {
  const problems: string[] = [];
  if (Buffer.byteLength(css, 'utf8') > MAX_BRANDING_BYTES) problems.push(`is larger than ${MAX_BRANDING_BYTES} bytes`);
  const plain = unescapeCss(css);
  if (/<\/style/i.test(plain)) problems.push('must not contain </style');
  if (/@import\b/i.test(plain)) problems.push('must not @import another stylesheet (the hosted pages load styles from Latchkey only); write the rules in the theme');
  for (const match of plain.matchAll(/url\(\s*(['"]?)([^'")]*)\1\s*\)/gi)) {
    const target = match[2]!.trim();
    if (/^data:image\//i.test(target)) continue;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) problems.push(`url(${target}) is not loaded by the hosted pages: use a data:image URL or a path on Latchkey's origin`);
  }
  return problems;
}
