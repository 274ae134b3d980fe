#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run automatically by `npm ci`).
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('datalake: the CLI is not built yet. Run `npm run build` (or `npm ci`) in the project folder first.');
  process.exit(1);
}
// Node 22.1+ keeps the compiled code of the CLI's modules in the system's temp folder: a light
// command such as `kpis` starts some 40 ms sooner under Node 24. Node 20 has no such cache (the
// call is absent); NODE_DISABLE_COMPILE_CACHE=1 turns it off.
module.enableCompileCache?.();
// A reader that stops early (`datalake openapi | head`) closes the pipe: the output ends there, without a
// stack trace, with the status of a process ended by SIGPIPE (128 + 13), as other command-line tools
// end: a supervisor still sees that a `serve` whose log pipe closed did not end well.
process.stdout.on('error', (err) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(141);
});
await import(entry.href);
