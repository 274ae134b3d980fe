import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Engine, parquetFiles, type Row } from '../../src/engine/duckdb.js';
import type { Bucket, ObjectStore } from '../../src/lake/index.js';

/** The rows of some Parquet objects of the lake, through a query over `t` (default: every row). */
export async function lakeRows(lake: ObjectStore, bucket: Bucket, keys: string[], query = 'SELECT * FROM t'): Promise<Row[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-rows-'));
  const engine = await Engine.open({ threads: 1, memoryLimit: '256MB' }, path.join(dir, 'spill'));
  try {
    const files: string[] = [];
    for (const key of keys) files.push(await lake.localPath(bucket, key, dir));
    await engine.run(`CREATE VIEW t AS SELECT * FROM ${parquetFiles(files)}`);
    return await engine.rows(query);
  } finally {
    engine.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** A query over `$t`: the silver Parquet files of a folder lake under `dataDir` for a dataset (or `quarantine/<dataset>`), of run `runId` (every run: ''). */
export async function silverRows(dataDir: string, dataset: string, runId: string, query: string): Promise<Row[]> {
  const engine = await Engine.openTemporary({ threads: 1, memoryLimit: '256MB' }, 'test');
  try {
    return await engine.rows(query.replace('$t', `read_parquet('${path.join(dataDir, 'lake', 'silver', dataset)}/**/${runId}*.parquet')`));
  } finally {
    engine.close();
  }
}
