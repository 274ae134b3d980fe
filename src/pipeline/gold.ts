import fs from 'node:fs/promises';
import path from 'node:path';
import { DATASETS } from '../datasets/index.js';
import { sqlIdent as id, sqlString as str, type Engine } from '../engine/duckdb.js';
import { UserError } from '../errors.js';
import { loadGoldTables } from '../gold/model.js';
import { checkKpiOutput, loadKpis } from '../registry/kpi.js';
import { timed, type RunContext, type StageResult } from './context.js';
import { silverKey } from './silver.js';

export const goldKey = (table: string) => `${table}.parquet`;

/**
 * Gold: the dimension and fact tables of src/gold/models from silver, then every KPI of the registry
 * from them. All tables are computed (and KPI outputs checked against their declarations) in scratch
 * before any is uploaded.
 */
export async function runGold(ctx: RunContext): Promise<StageResult> {
  return timed(async () => {
    const db = await ctx.db();
    const outDir = await ctx.workDir('gold');
    const downloads = await ctx.workDir('gold-inputs');
    let rowsIn = 0;
    for (const spec of DATASETS) {
      if (!(await ctx.store.head('silver', silverKey(spec.name)))) {
        throw new UserError(`silver has no ${silverKey(spec.name)}`, 'run `npx datalake silver` (or `npx datalake run`) first');
      }
      const file = await ctx.store.localPath('silver', silverKey(spec.name), downloads);
      await db.run(`CREATE OR REPLACE TEMP VIEW ${id(spec.name)} AS SELECT * FROM read_parquet(${str(file)})`);
      const [r] = await db.rows(`SELECT count(*) AS n FROM ${id(spec.name)}`);
      rowsIn += Number(r!['n']);
    }

    const written: { table: string; file: string; rows: number }[] = [];
    const build = async (table: string, sql: string) => {
      ctx.progress.begin('gold', table);
      const file = path.join(outDir, goldKey(table));
      await writeTable(db, sql, file, (p) => ctx.progress.update(p.percent === undefined ? {} : { percent: p.percent }));
      // Later tables (the KPIs) read this one by name.
      await db.run(`CREATE OR REPLACE TEMP VIEW ${id(table)} AS SELECT * FROM read_parquet(${str(file)})`);
      const [r] = await db.rows(`SELECT count(*) AS n FROM ${id(table)}`);
      written.push({ table, file, rows: Number(r!['n']) });
      ctx.progress.end();
    };

    for (const table of await loadGoldTables()) await build(table.name, table.sql);
    for (const kpi of await loadKpis()) {
      checkKpiOutput(kpi, await db.columns(kpi.sql));
      await build(kpi.table, kpi.sql);
    }

    let bytes = 0;
    for (const w of written) {
      bytes += (await fs.stat(w.file)).size;
      await ctx.store.putFile('gold', goldKey(w.table), w.file, { move: true });
    }
    const fact = written.find((w) => w.table === 'fact_achats');
    return {
      stage: 'gold' as const,
      rowsIn,
      rowsOut: fact?.rows ?? 0,
      quarantined: 0,
      bytes,
      details: { tables: Object.fromEntries(written.map((w) => [w.table, w.rows])) },
    };
  });
}

async function writeTable(db: Engine, sql: string, file: string, onProgress: Parameters<Engine['run']>[1]): Promise<void> {
  await db.run(`COPY (${sql}) TO ${str(file)} (FORMAT parquet, COMPRESSION zstd)`, onProgress);
}
