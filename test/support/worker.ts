import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './cli.js';

export interface TestWorker {
  child: ChildProcess;
  output: () => string;
}

/** A `datalake worker` process started through the CLI, as a user would, once it says it waits for runs. */
export async function startWorker(env: Record<string, string>): Promise<TestWorker> {
  const child = spawn(process.execPath, [BIN, 'worker'], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  for (let i = 0; i < 200 && !out.includes('waiting for runs'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.match(out, /waiting for runs/, 'the worker started');
  return { child, output: () => out };
}
