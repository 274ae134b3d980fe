import fs from 'node:fs/promises';
import path from 'node:path';
import { sqlString as str } from '../../src/engine/duckdb.js';
import type { GoldState } from '../../src/pipeline/gold/index.js';

/** Each gold table of a folder lake as a `read_parquet(...)` over its objects (one, or one per partition). */
export async function goldTableReaders(lakeDir: string): Promise<Record<string, string>> {
  const state = JSON.parse(await fs.readFile(path.join(lakeDir, 'gold', '_state.json'), 'utf8')) as GoldState;
  return Object.fromEntries(
    Object.entries(state.objects)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([table, keys]) => [table, `read_parquet([${keys.map((k) => str(path.join(lakeDir, 'gold', k))).join(', ')}], hive_partitioning = false)`]),
  );
}
