import { sqlIdent as id, sqlString as str, subquery, type Engine } from '../../engine/duckdb.js';
import { localPaths } from '../../lake/index.js';
import type { RunContext } from '../context.js';
import { datasetSelect } from '../silver/read.js';
import { SILVER_PARQUET } from '../merge.js';

export /** A view named after the dataset over its silver objects (its declared columns, typed even when empty); returns its row count. */
async function datasetView(ctx: RunContext, db: Engine, dataset: string, keys: string[], downloads: string): Promise<number> {
  const spec = ctx.config.project.datasets.find((d) => d.name === dataset)!;
  const files = await localPaths(ctx.lake, 'silver', keys, downloads);
  await db.run(`CREATE OR REPLACE TEMP VIEW ${id(dataset)} AS ${datasetSelect(spec, files)}`);
  const [r] = await db.rows(`SELECT count(*) AS n FROM ${id(dataset)}`);
  return Number(r!['n']);
}

/** A table's rows written as one Parquet file (zstd level 1, as silver: see SILVER_PARQUET). */
export async function writeTable(db: Engine, sql: string, file: string, onProgress: Parameters<Engine['run']>[1]): Promise<void> {
  await db.run(`COPY ${subquery(sql)} TO ${str(file)} (FORMAT parquet, ${SILVER_PARQUET})`, onProgress);
}

