import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { BUILT_IN_PROJECT } from '../../src/project/resolve.js';

/** A fresh DATA_DIR in the temp folder, and the config that points at it (plus any extra variables). */
export async function tempConfig(extra: Record<string, string> = {}): Promise<{ dir: string; config: Config; env: Record<string, string> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-test-'));
  // Retries of transient failures wait 50 ms, 100 ms... instead of seconds.
  const env = { DATA_DIR: dir, DUCKDB_THREADS: '2', TASK_RETRY_DELAY_MS: '50', ...extra };
  return { dir, config: loadConfig(env), env };
}

export const FIXED_DAY = new Date('2026-06-15T00:00:00Z');

/**
 * A copy of the built-in shop project in the temp folder, changed by `edit` (file path inside the
 * project → new content, or a function of the old content), and the config that runs it.
 */
export async function tempShopProject(edit: Record<string, string | ((old: string) => string)>, extra: Record<string, string> = {}): Promise<{ dir: string; config: Config; env: Record<string, string> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-project-'));
  await fs.cp(BUILT_IN_PROJECT, dir, { recursive: true });
  for (const [file, change] of Object.entries(edit)) {
    const target = path.join(dir, file);
    const old = await fs.readFile(target, 'utf8').catch(() => '');
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, typeof change === 'string' ? change : change(old));
  }
  const env = { DATALAKE_PROJECT: dir, DUCKDB_THREADS: '2', TASK_RETRY_DELAY_MS: '50', ...extra };
  return { dir, config: loadConfig(env), env };
}
