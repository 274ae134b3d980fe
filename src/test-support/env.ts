import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../config.js';

/** A fresh DATA_DIR in the temp folder, and the config that points at it (plus any extra variables). */
export async function tempConfig(extra: Record<string, string> = {}): Promise<{ dir: string; config: Config; env: Record<string, string> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-test-'));
  // Retries of transient failures wait 50 ms, 100 ms... instead of seconds.
  const env = { DATA_DIR: dir, DUCKDB_THREADS: '2', TASK_RETRY_DELAY_MS: '50', ...extra };
  return { dir, config: loadConfig(env), env };
}

export const FIXED_DAY = new Date('2026-06-15T00:00:00Z');
