#!/usr/bin/env node
// `npm start`: the server, after the Node.js version check (see node-version.js).
import { refuseUnsupportedNode } from './node-version.js';

if (!refuseUnsupportedNode()) {
  const { runServer } = await import('../dist/src/main.js');
  runServer().catch((error) => {
    process.stderr.write(`latchkey: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
