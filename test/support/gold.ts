import path from 'node:path';
import type { Config } from '../../src/config.js';
import { parquetFiles } from '../../src/engine/duckdb.js';
import { openObjectStore } from '../../src/lake/index.js';
import { readStates } from '../../src/pipeline/states.js';

/** Each gold table of the current version of a folder lake as a `read_parquet(...)` over its objects. */
export async function goldTableReaders(config: Config): Promise<Record<string, string>> {
  const { gold } = await readStates(openObjectStore(config), config.project);
  return Object.fromEntries(
    Object.entries(gold?.objects ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([table, keys]) => [table, parquetFiles(keys.map((k) => path.join(config.lakeDir, 'gold', k)))]),
  );
}
