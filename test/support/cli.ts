import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI (`npm run build` first): what a user runs. */
export const BIN = fileURLToPath(new URL('../../bin/datalake.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `datalake <args>` with only PATH and `env` in its environment; resolves with its exit code and output. */
export function runCli(args: string[], env: Record<string, string>, options: { timeout?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, maxBuffer: 64 << 20, ...(options.timeout ? { timeout: options.timeout } : {}) }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}
