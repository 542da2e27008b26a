#!/usr/bin/env node
// The package's bin: runs the compiled CLI (built by `npm install` through the prepare script).
import { refuseUnsupportedNode } from './node-version.js';

if (!refuseUnsupportedNode()) {
  // `latchkey serve` with an OTLP endpoint: tracing starts before the CLI loads the modules it instruments.
  const tracing = process.argv[2] === 'serve'
    ? import('../dist/src/tracing/tracing.js').then((t) => t.startTracingIfRequested(process.env))
    : Promise.resolve();
  tracing.then(() => import('../dist/src/cli.js')).then((cli) => cli.main(process.argv)).catch((error) => {
    process.stderr.write(`latchkey: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
