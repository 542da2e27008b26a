import { describe, expect, it } from 'vitest';
import { MAX_BRANDING_BYTES, themeCssProblems } from '../../src/branding/theme-css.js';

describe('stored theme stylesheet checks', () => {
  it('accepts rules, custom properties, data:image and same-origin url()s', () => {
    expect(themeCssProblems(':root { --lk-accent: #0a7d55 }\n.lk-card { background: url("data:image/png;base64,AAAA") }\n.logo { background: url(/static/logo.png) }')).toEqual([]);
  });

  it('refuses @import (also written with CSS escapes or inside url()), other origins, </style and oversized text', () => {
    expect(themeCssProblems('@\\69mport "x.css";')).toEqual([expect.stringMatching(/must not @import/)]);
    expect(themeCssProblems('.a { background: url(//cdn.example.com/a.png) }')).toEqual([expect.stringMatching(/is not loaded by the hosted pages/)]);
    expect(themeCssProblems('.a { src: url(\'https://fonts.example.com/f.woff2\') }')).toEqual([expect.stringMatching(/is not loaded/)]);
    expect(themeCssProblems('.a{}</STYLE><script>')).toEqual(['must not contain </style']);
    expect(themeCssProblems(`/*${'x'.repeat(MAX_BRANDING_BYTES)}*/`)).toEqual([`is larger than ${MAX_BRANDING_BYTES} bytes`]);
  });
});
