import { createHash } from 'node:crypto';
import path from 'node:path';
import { sqlIdent as id, sqlString as str, type Engine } from '../engine/duckdb.js';
import { UserError } from '../errors.js';
import { checkKpiOutput } from '../project/kpi-output.js';
import type { DatasetSpec } from '../project/types.js';
import { GOLD_STATE, readJson, writeJson, type ObjectStore } from '../lake/index.js';
import { sqlType } from './row-rules.js';
import { timed, type RunContext, type StageResult } from './context.js';
import { readSilverState, silverObjects, type SilverState } from './silver/index.js';
import { clearStaging, inlineRunner, publishStaged, stagedLocalPath, stagedSize, type Shard, type ShardHandler, type ShardRunner, type StagedFile } from './shards.js';

export const goldKey = (table: string) => `${table}.parquet`;
/** A partitioned table's object for one partition of its dataset: `fact_achats/month=2026-11.parquet`. */
export const goldPartitionKey = (table: string, partition: string) => `${table}/${partition || 'all'}.parquet`;

/** What gold was built from: when neither silver nor the definitions changed, gold is not rebuilt. */
export interface GoldState {
  format: 1;
  /** The run that built gold; the serving store records it when gold is published. */
  runId: string;
  silverRunId: string;
  /** Digest of every gold model's and KPI's SQL (and how their outputs are declared). */
  definitions: string;
  builtAt: string;
  tables: Record<string, number>;
  /** Every object of each table: one, or one per partition for a partitioned table. */
  objects: Record<string, string[]>;
  /**
   * Per partition of a partitioned table's dataset: a digest of the silver objects and definitions it
   * was built from, and its rows per table. A partition whose digest is unchanged is kept as it is.
   */
  partitions?: Record<string, { digest: string; rows: Record<string, number> }>;
}

export async function readGoldState(lake: ObjectStore): Promise<GoldState | undefined> {
  return readJson<GoldState>(lake, GOLD_STATE);
}

export interface GoldOptions {
  /** Rebuild even when silver and the definitions are unchanged. */
  force?: boolean;
  /** Where the partitioned tables' partitions are built: in this process (default) or on the workers. */
  shards?: ShardRunner;
}

export interface GoldPartitionInput {
  /** The partitioned dataset, its partition and that partition's silver objects. */
  dataset: string;
  partition: string;
  keys: string[];
  /** The other datasets' silver objects, read whole. */
  others: Record<string, string[]>;
  tables: string[];
}

export interface GoldPartitionOutput {
  partition: string;
  rows: number;
  tables: Record<string, { file: StagedFile; rows: number }>;
}

/** The partitioned tables of one partition of their dataset (one month of fact_achats): a shard of the gold task. */
export const goldPartitionShard: ShardHandler<GoldPartitionInput, GoldPartitionOutput> = async (ctx, input, stager) => {
  const models = ctx.config.project.models.filter((m) => input.tables.includes(m.name));
  const db = await ctx.db();
  const downloads = await ctx.workDir('gold-inputs');
  await datasetView(ctx, db, input.dataset, input.keys, downloads);
  for (const [dataset, keys] of Object.entries(input.others)) await datasetView(ctx, db, dataset, keys, downloads);
  const outDir = await ctx.workDir(`gold-${input.partition || 'all'}`);
  const tables: GoldPartitionOutput['tables'] = {};
  for (const model of models) {
    ctx.progress.begin('gold', `${model.name} ${input.partition}`);
    const file = path.join(outDir, `${model.name}.parquet`);
    await writeTable(db, model.sql, file, () => undefined);
    const [r] = await db.rows(`SELECT count(*) AS n FROM read_parquet(${str(file)})`);
    tables[model.name] = { file: await stager.stage(file, `${model.name}.parquet`), rows: Number(r!['n']) };
    ctx.progress.end();
  }
  return { partition: input.partition, rows: Object.values(tables).reduce((n, t) => n + t.rows, 0), tables };
};

/**
 * Gold: the tables of the project's models/ from silver, in the order they read each other, then every
 * KPI of kpis/ from them. A table partitioned like its dataset (fact_achats by month) is built one partition per
 * shard (on the workers in distributed mode); the rest is built after the shards, in this process.
 * All tables are computed (and KPI outputs checked against their declarations) in scratch or staging
 * before any is put in gold, and gold/_state.json is written last.
 */
export async function runGold(ctx: RunContext, options: GoldOptions = {}): Promise<StageResult> {
  return timed(async () => {
    const silver = await readSilverState(ctx.lake);
    const { models, kpis, datasets } = ctx.config.project;
    const definitions = createHash('sha256')
      .update(JSON.stringify([...models.map((m) => [m.name, m.sql, m.partitionedBy ?? null]), ...kpis.map((k) => [k.table, k.sql, k.columns])]))
      .digest('hex');
    const built = await readGoldState(ctx.lake);
    if (!options.force && silver && built?.silverRunId === silver.runId && built.definitions === definitions && (await allPresent(ctx.lake, built))) {
      return { stage: 'gold' as const, rowsIn: 0, rowsOut: 0, quarantined: 0, bytes: 0, details: { skipped: `silver and the definitions are unchanged since run ${built.runId}` } };
    }
    if (!silver || Object.keys(silver.datasets).length === 0) {
      throw new UserError('silver is empty', 'run `npx datalake silver` (or `npx datalake run`) first');
    }
    await clearStaging(ctx.lake, 'gold');

    // The shards first: each partition of a dataset that tables are partitioned by.
    const shards: Shard<GoldPartitionInput>[] = [];
    for (const dataset of new Set(models.flatMap((m) => (m.partitionedBy ? [m.partitionedBy] : [])))) {
      const tables = models.filter((m) => m.partitionedBy === dataset).map((m) => m.name);
      const others = Object.fromEntries(datasets.filter((d) => d.name !== dataset).map((d) => [d.name, silverObjects(silver, d.name)]));
      for (const [partition, keys] of Object.entries(silver.datasets[dataset]?.partitions ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
        shards.push({ label: `${tables.join(', ')} ${partition}`, input: { dataset, partition, keys, others, tables } });
      }
    }
    // A partition whose inputs (its silver objects, the other datasets', the definitions) are those it
    // was built from keeps its objects: a daily drop rebuilds the fact of the months it touched only.
    const digests = new Map<GoldPartitionInput, string>();
    const silverObjectsNow = new Map((await ctx.lake.list('silver')).map((o) => [o.key, `${o.size} ${o.modified.getTime()}`]));
    for (const s of shards) digests.set(s.input, partitionDigest(definitions, s.input, silver, silverObjectsNow));
    const kept = new Map<GoldPartitionInput, GoldPartitionOutput>();
    for (const s of shards) {
      const before = built?.partitions?.[s.input.partition];
      if (options.force || !before || before.digest !== digests.get(s.input)) continue;
      const keys = s.input.tables.map((t) => goldPartitionKey(t, s.input.partition));
      const listed = new Set(Object.values(built!.objects).flat());
      if (!keys.every((k) => listed.has(k)) || !(await Promise.all(keys.map((k) => ctx.lake.head('gold', k)))).every(Boolean)) continue;
      const tables = Object.fromEntries(s.input.tables.map((t) => [t, { file: { bucket: 'gold' as const, key: goldPartitionKey(t, s.input.partition) }, rows: before.rows[t] ?? 0 }]));
      kept.set(s.input, { partition: s.input.partition, rows: Object.values(tables).reduce((n, t) => n + t.rows, 0), tables });
    }
    const fresh = await (options.shards ?? inlineRunner(ctx)).map('gold.partition', shards.filter((s) => !kept.has(s.input)), goldPartitionShard);
    const parts = shards.map((s) => kept.get(s.input) ?? fresh.shift()!);

    const db = await ctx.db();
    const outDir = await ctx.workDir('gold');
    const downloads = await ctx.workDir('gold-inputs');
    let rowsIn = 0;
    for (const spec of datasets) rowsIn += await datasetView(ctx, db, spec.name, silverObjects(silver, spec.name), downloads);

    const written: { table: string; objects: { key: string; file: StagedFile }[]; rows: number }[] = [];
    const build = async (table: string, sql: string) => {
      ctx.progress.begin('gold', table);
      const file = path.join(outDir, goldKey(table));
      await writeTable(db, sql, file, (p) => ctx.progress.update(p.percent === undefined ? {} : { percent: p.percent }));
      // Later tables (the KPIs) read this one by name.
      await db.run(`CREATE OR REPLACE TEMP VIEW ${id(table)} AS SELECT * FROM read_parquet(${str(file)})`);
      const [r] = await db.rows(`SELECT count(*) AS n FROM ${id(table)}`);
      written.push({ table, objects: [{ key: goldKey(table), file: { local: file } }], rows: Number(r!['n']) });
      ctx.progress.end();
    };

    for (const model of models) {
      if (!model.partitionedBy) {
        await build(model.name, model.sql);
        continue;
      }
      const objects = parts.map((p) => ({ key: goldPartitionKey(model.name, p.partition), file: p.tables[model.name]!.file }));
      const files: string[] = [];
      for (const o of objects) files.push(await stagedLocalPath(ctx.lake, o.file, downloads));
      // No partition (an empty dataset): the table is its SQL over the empty dataset, with its columns.
      await db.run(`CREATE OR REPLACE TEMP VIEW ${id(model.name)} AS ${files.length ? `SELECT * FROM read_parquet([${files.map(str).join(', ')}], hive_partitioning = false)` : `SELECT * FROM (${model.sql}) WHERE false`}`);
      written.push({ table: model.name, objects, rows: parts.reduce((n, p) => n + p.tables[model.name]!.rows, 0) });
    }
    for (const kpi of kpis) {
      checkKpiOutput(kpi, await db.columns(kpi.sql));
      await build(kpi.table, kpi.sql);
    }

    let bytes = 0;
    for (const w of written) {
      for (const o of w.objects) {
        if (!('local' in o.file) && o.file.bucket === 'gold' && o.file.key === o.key) continue; // a partition kept as it was
        bytes += await stagedSize(ctx.lake, o.file);
        await publishStaged(ctx.lake, o.file, 'gold', o.key);
      }
    }
    const objects = Object.fromEntries(written.map((w) => [w.table, w.objects.map((o) => o.key)]));
    // Objects of the previous gold that this one does not have (a month gone, an older layout) go.
    const keep = new Set(Object.values(objects).flat());
    const stale = [...Object.values(built?.objects ?? {}).flat(), ...models.filter((m) => m.partitionedBy).map((m) => goldKey(m.name))];
    for (const key of new Set(stale)) if (!keep.has(key) && (await ctx.lake.head('gold', key))) await ctx.lake.delete('gold', key);

    const tables = Object.fromEntries(written.map((w) => [w.table, w.rows]));
    const partitions = Object.fromEntries(shards.map((s, i) => [s.input.partition, { digest: digests.get(s.input)!, rows: Object.fromEntries(Object.entries(parts[i]!.tables).map(([t, v]) => [t, v.rows])) }]));
    const state: GoldState = { format: 1, runId: ctx.runId, silverRunId: silver.runId, definitions, builtAt: new Date().toISOString(), tables, objects, partitions };
    await writeJson(ctx.lake, GOLD_STATE, state);
    await clearStaging(ctx.lake, 'gold', ctx.runId);
    // Rows out: those of the largest model (the fact table), as rows in are silver's.
    const largest = Math.max(0, ...written.filter((w) => models.some((m) => m.name === w.table)).map((w) => w.rows));
    return {
      stage: 'gold' as const,
      rowsIn,
      rowsOut: largest,
      quarantined: 0,
      bytes,
      details: { tables, partitions: parts.length, partitionsKept: kept.size },
    };
  });
}

/**
 * What a gold partition is built from: its silver objects (size and time, from one listing) and the run
 * that wrote them — object times are whole seconds on S3 — the other datasets' likewise, the definitions.
 */
function partitionDigest(definitions: string, input: GoldPartitionInput, silver: SilverState, objects: Map<string, string>): string {
  const describe = (keys: string[]) => keys.map((k) => `${k} ${objects.get(k) ?? 'missing'}`);
  const others = Object.entries(input.others).map(([dataset, keys]) => [dataset, describe(keys), silver.datasets[dataset]?.written ?? null]);
  return createHash('sha256')
    .update(JSON.stringify([definitions, input.dataset, input.partition, input.tables, describe(input.keys), silver.datasets[input.dataset]?.written?.[input.partition] ?? null, others]))
    .digest('hex');
}

/** A view named after the dataset over its silver objects (its declared columns, typed even when empty); returns its row count. */
async function datasetView(ctx: RunContext, db: Engine, dataset: string, keys: string[], downloads: string): Promise<number> {
  const spec = ctx.config.project.datasets.find((d) => d.name === dataset)!;
  const files: string[] = [];
  for (const key of keys) files.push(await ctx.lake.localPath('silver', key, downloads));
  await db.run(`CREATE OR REPLACE TEMP VIEW ${id(dataset)} AS ${datasetSelect(spec, files)}`);
  const [r] = await db.rows(`SELECT count(*) AS n FROM ${id(dataset)}`);
  return Number(r!['n']);
}

/** The declared columns of a dataset over its silver files; no file gives the empty typed table. */
export function datasetSelect(spec: DatasetSpec, files: string[]): string {
  const names = Object.keys(spec.columns);
  if (files.length === 0) return `SELECT ${names.map((c) => `NULL::${sqlType(spec.columns[c]!)} AS ${id(c)}`).join(', ')} WHERE false`;
  return `SELECT ${names.map(id).join(', ')} FROM read_parquet([${files.map(str).join(', ')}], hive_partitioning = false)`;
}

async function writeTable(db: Engine, sql: string, file: string, onProgress: Parameters<Engine['run']>[1]): Promise<void> {
  await db.run(`COPY (${sql}) TO ${str(file)} (FORMAT parquet, COMPRESSION zstd)`, onProgress);
}

async function allPresent(lake: ObjectStore, state: GoldState): Promise<boolean> {
  // A gold built before its objects were listed is rebuilt once.
  if (!state.objects) return false;
  for (const key of Object.values(state.objects).flat()) if (!(await lake.head('gold', key))) return false;
  return true;
}
