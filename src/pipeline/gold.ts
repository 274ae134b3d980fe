import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DATASETS } from '../datasets/index.js';
import { sqlIdent as id, sqlString as str, type Engine } from '../engine/duckdb.js';
import { UserError } from '../errors.js';
import { loadGoldTables } from '../gold/model.js';
import { checkKpiOutput, loadKpis } from '../registry/kpi.js';
import type { ObjectStore } from '../lake/index.js';
import { timed, type RunContext, type StageResult } from './context.js';
import { GOLD_STATE } from './layout.js';
import { readSilverState, silverObjects } from './silver.js';

export const goldKey = (table: string) => `${table}.parquet`;

/** What gold was built from: when neither silver nor the definitions changed, gold is not rebuilt. */
export interface GoldState {
  format: 1;
  /** The run that built gold; the serving store records it when gold is published. */
  runId: string;
  silverRunId: string;
  /** Digest of every gold model's and KPI's SQL. */
  definitions: string;
  builtAt: string;
  tables: Record<string, number>;
}

export async function readGoldState(store: ObjectStore): Promise<GoldState | undefined> {
  const bytes = await store.getBytes('gold', GOLD_STATE);
  return bytes ? (JSON.parse(bytes.toString('utf8')) as GoldState) : undefined;
}

/**
 * Gold: the dimension and fact tables of src/gold/models from silver, then every KPI of the registry
 * from them. All tables are computed (and KPI outputs checked against their declarations) in scratch
 * before any is uploaded.
 */
export async function runGold(ctx: RunContext, options: { force?: boolean } = {}): Promise<StageResult> {
  return timed(async () => {
    const silver = await readSilverState(ctx.store);
    const models = await loadGoldTables();
    const kpis = await loadKpis();
    const definitions = createHash('sha256')
      .update(JSON.stringify([...models.map((m) => [m.name, m.sql]), ...kpis.map((k) => [k.table, k.sql])]))
      .digest('hex');
    const built = await readGoldState(ctx.store);
    const tableNames = [...models.map((m) => m.name), ...kpis.map((k) => k.table)];
    if (!options.force && silver && built?.silverRunId === silver.runId && built.definitions === definitions && (await allPresent(ctx.store, tableNames))) {
      return { stage: 'gold' as const, rowsIn: 0, rowsOut: 0, quarantined: 0, bytes: 0, details: { skipped: `silver and the definitions are unchanged since run ${built.runId}` } };
    }

    const db = await ctx.db();
    const outDir = await ctx.workDir('gold');
    const downloads = await ctx.workDir('gold-inputs');
    let rowsIn = 0;
    for (const spec of DATASETS) {
      const keys = silverObjects(silver, spec.name);
      if (keys.length === 0) {
        throw new UserError(`silver has no ${spec.name} rows`, 'run `npx datalake silver` (or `npx datalake run`) first');
      }
      const files: string[] = [];
      for (const key of keys) files.push(await ctx.store.localPath('silver', key, downloads));
      await db.run(`CREATE OR REPLACE TEMP VIEW ${id(spec.name)} AS SELECT * FROM read_parquet([${files.map(str).join(', ')}], hive_partitioning = false)`);
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

    for (const table of models) await build(table.name, table.sql);
    for (const kpi of kpis) {
      checkKpiOutput(kpi, await db.columns(kpi.sql));
      await build(kpi.table, kpi.sql);
    }

    let bytes = 0;
    for (const w of written) {
      bytes += (await fs.stat(w.file)).size;
      await ctx.store.putFile('gold', goldKey(w.table), w.file, { move: true });
    }
    const tables = Object.fromEntries(written.map((w) => [w.table, w.rows]));
    const state: GoldState = { format: 1, runId: ctx.runId, silverRunId: silver!.runId, definitions, builtAt: new Date().toISOString(), tables };
    await ctx.store.putBytes('gold', GOLD_STATE, JSON.stringify(state, null, 2));
    const fact = written.find((w) => w.table === 'fact_achats');
    return {
      stage: 'gold' as const,
      rowsIn,
      rowsOut: fact?.rows ?? 0,
      quarantined: 0,
      bytes,
      details: { tables },
    };
  });
}

async function writeTable(db: Engine, sql: string, file: string, onProgress: Parameters<Engine['run']>[1]): Promise<void> {
  await db.run(`COPY (${sql}) TO ${str(file)} (FORMAT parquet, COMPRESSION zstd)`, onProgress);
}

async function allPresent(store: ObjectStore, tables: string[]): Promise<boolean> {
  for (const t of tables) if (!(await store.head('gold', goldKey(t)))) return false;
  return true;
}
