import fs from 'node:fs/promises';
import { dayText, sqlIdent as id, sqlString as str, type Row } from '../engine/duckdb.js';
import { goldKey } from '../pipeline/gold/index.js';
import type { Kpi } from '../project/types.js';
import type { ReadOptions } from '../serving/index.js';
import type { ObjectStore } from '../lake/index.js';
import type { LazyEngine } from './services.js';
import { notPublished } from './http-errors.js';

/**
 * SERVE_FALLBACK=lake: a KPI read from its gold Parquet with the same filters and order as the serving
 * store, for when the store is down. Slower, but the KPIs stay available.
 */
export function lakeReader(lake: ObjectStore, engine: LazyEngine) {
  return async (kpi: Kpi, options: ReadOptions): Promise<Row[]> => {
    if (!(await lake.head('gold', goldKey(kpi.table)))) throw notPublished(`KPI ${kpi.id} has not been published yet: run the pipeline (\`npx datalake run\`)`);
    const file = await lake.localPath('gold', goldKey(kpi.table), engine.scratchDir);
    try {
      const columns = Object.entries(kpi.columns);
      // Dates compare and come out as 'YYYY-MM-DD' text, as in the serving store.
      const expr = (name: string) => (kpi.columns[name]?.type === 'date' ? dayText(name) : id(name));
      const where = (options.where ?? []).map((c) => `${expr(c.column)} ${c.op} ${typeof c.value === 'number' ? c.value : str(c.value)}`);
      const sql = `SELECT ${columns.map(([name]) => `${expr(name)} AS ${id(name)}`).join(', ')}
        FROM read_parquet(${str(file)}, file_row_number = true)
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY file_row_number
        ${options.limit !== undefined ? `LIMIT ${Math.floor(options.limit)}` : ''} ${options.offset ? `OFFSET ${Math.floor(options.offset)}` : ''}`;
      return await (await engine.db()).rows(sql);
    } finally {
      if (file.startsWith(engine.scratchDir)) await fs.rm(file, { force: true });
    }
  };
}
