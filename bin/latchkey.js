#!/usr/bin/env node
// The package's bin: runs the compiled CLI (built by `npm install` through the prepare script).
import { refuseUnsupportedNode } from './node-version.js';

if (!refuseUnsupportedNode()) {
  import('../dist/src/cli.js').then((cli) => cli.main(process.argv)).catch((error) => {
    process.stderr.write(`latchkey: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
