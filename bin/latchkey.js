#!/usr/bin/env node
// The package's bin: runs the compiled CLI (built by `npm install` through the prepare script).
import { refuseUnsupportedNode } from './node-version.js';

if (!refuseUnsupportedNode()) {
  // Compiled modules are kept on disk (src/lib/compile-cache.ts): commands after the first start faster.
  const cache = import('../dist/src/lib/compile-cache.js').then((c) => c.enableCompileCache());
  // `latchkey serve` with an OTLP endpoint: tracing starts before the CLI loads the modules it instruments.
  const tracing = cache.then(() => (process.argv[2] === 'serve'
    ? import('../dist/src/tracing/tracing.js').then((t) => t.startTracingIfRequested(process.env))
    : undefined));
  tracing.then(() => import('../dist/src/cli.js')).then((cli) => cli.main(process.argv)).catch((error) => {
    process.stderr.write(`latchkey: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
