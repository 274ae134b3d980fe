import path from 'node:path';
import { parquetFiles, sqlIdent as id, sqlString as str, subquery } from '../../engine/duckdb.js';
import { UserError } from '../../errors.js';
import { failpoint } from '../../failpoints.js';
import { checkKpiOutput, checkSafeIntegers, SAFE_INTEGER } from '../../project/kpi-output.js';
import { refuseManyStatements } from '../../project/one-statement.js';
import { timed, type RunContext, type StageResult } from '../context.js';
import { clearStaging, inlineRunner, publishAll, runShards, stagedLocalPaths, type Shard, type ShardRunner, type StagedFile } from '../shards.js';
import { goldObjectKey, goldPartitionObjectKey, STAGING } from '../../lake/index.js';
import { silverObjects } from '../silver/index.js';
import { goldPartitionShard, partitionDigest, type GoldPartitionInput, type GoldPartitionOutput } from './partition-shard.js';
import { allPresent, goldDefinitions, modelDefinitions, partitionObject, type GoldState } from './state.js';
import { buildPartitionsTogether } from './partitions-together.js';
import { datasetView, failsOnData, writeTable } from './tables.js';
import { DATALAKE } from '../../command-name.js';

export { goldPartitionShard, type GoldPartitionInput, type GoldPartitionOutput } from './partition-shard.js';
export { goldDefinitions, partitionObject, tableObject, type GoldState } from './state.js';

export interface GoldOptions {
  /** Rebuild even when silver and the definitions are unchanged. */
  force?: boolean;
  /** Where the partitioned tables' partitions are built: in this process (default) or on the workers. */
  shards?: ShardRunner;
}

/**
 * Gold: the tables of the project's models/ from silver, in the order they read each other, then every
 * KPI of kpis/ from them. A table partitioned like its dataset (fact_achats by month) is built one partition per
 * shard (on the workers in distributed mode); the rest is built after the shards, in this process.
 * All tables are computed (and KPI outputs checked against their declarations) in scratch or staging
 * before any is put in gold, and gold/_state.json is written last.
 */
export async function runGold(ctx: RunContext, options: GoldOptions = {}): Promise<StageResult> {
  return timed(async () => {
    const silver = await ctx.draft.silver();
    const { models, kpis, datasets } = ctx.config.project;
    const definitions = goldDefinitions(ctx.config.project);
    const built = await ctx.draft.gold();
    if (!options.force && silver && built?.silverRunId === silver.runId && built.definitions === definitions && (await allPresent(ctx.lake, built))) {
      return { stage: 'gold' as const, rowsIn: 0, rowsOut: 0, quarantined: 0, bytes: 0, details: { skipped: `silver and the definitions are unchanged since run ${built.runId}` } };
    }
    if (!silver || Object.keys(silver.datasets).length === 0) {
      throw new UserError('silver is empty: no source file has been ingested yet', `add CSV files to the sources folder, or fix the ones bronze set aside (\`${DATALAKE} check --sources\` says why), then run \`${DATALAKE} run\``);
    }

    // Before any shard runs a model's SQL, which is pasted into a COPY.
    await refuseManyStatements(await ctx.db(), ctx.config.project, (kind, name) => (kind === 'model' ? `models/${name}.sql` : `kpis/${name}.yml`));

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
    const modelsDigest = modelDefinitions(ctx.config.project);
    for (const s of shards) digests.set(s.input, partitionDigest(modelsDigest, s.input, silver));
    const kept = new Map<GoldPartitionInput, GoldPartitionOutput>();
    for (const s of shards) {
      const before = built?.partitions?.[s.input.partition];
      if (options.force || !before || before.digest !== digests.get(s.input)) continue;
      const keys = s.input.tables.map((t) => partitionObject(built, t, s.input.partition));
      if (!keys.every((k): k is string => k !== undefined)) continue;
      const tables = Object.fromEntries(s.input.tables.map((t, i) => [t, { file: { bucket: 'gold' as const, key: keys[i]! }, rows: before.rows[t] ?? 0 }]));
      kept.set(s.input, { partition: s.input.partition, rows: Object.values(tables).reduce((n, t) => n + t.rows, 0), tables });
    }
    // Partitions an earlier attempt of this run built (a retry, a resume) are taken from its staging.
    const pending = shards.filter((s) => !kept.has(s.input));
    const finished = (await ctx.ledger?.finished<GoldPartitionInput, GoldPartitionOutput>('gold.partition', pending)) ?? [];
    const reused = new Map<GoldPartitionInput, GoldPartitionOutput>();
    for (const [i, s] of pending.entries()) if (finished[i]) reused.set(s.input, finished[i]);
    const toBuild = pending.filter((s) => !reused.has(s.input));
    // On workers, one shard per partition; in this process, one shard builds them all, a COPY per partition and table.
    const runner = options.shards ?? inlineRunner(ctx);
    const together = runner.inProcess === true && toBuild.length > 1;
    let fresh: GoldPartitionOutput[];
    if (together) {
      const label = `${[...new Set(toBuild.flatMap((s) => s.input.tables))].join(', ')} ${toBuild.length} partitions`;
      fresh = (await runner.map('gold.partition', [{ label, input: toBuild.map((s) => s.input) }], buildPartitionsTogether))[0]!;
      await ctx.ledger?.record('gold.partition', toBuild.map((shard, i) => ({ shard, output: fresh[i]! })));
    } else {
      fresh = await runShards(ctx, runner, 'gold.partition', toBuild, goldPartitionShard);
    }
    const parts = shards.map((s) => kept.get(s.input) ?? reused.get(s.input) ?? fresh.shift()!);
    failpoint('gold:combine');

    const db = await ctx.db();
    const outDir = await ctx.workDir('gold');
    const downloads = await ctx.workDir('gold-inputs');
    let rowsIn = 0;
    for (const spec of datasets) rowsIn += await datasetView(ctx, db, spec.name, silverObjects(silver, spec.name), downloads);

    const written: { table: string; objects: { key: string; file: StagedFile }[]; rows: number }[] = [];
    /** Writes a table and counts its rows, with `aggregates` over them (by alias) in the same query. */
    const build = async (table: string, sql: string, definedIn: string, aggregates: string[] = []) => {
      ctx.progress.begin('gold', table);
      const file = path.join(outDir, `${table}.parquet`);
      await writeTable(db, sql, file, (p) => ctx.progress.update(p.percent === undefined ? {} : { percent: p.percent }), definedIn);
      // Later tables (the KPIs) read this one by name.
      await db.run(`CREATE OR REPLACE TEMP VIEW ${id(table)} AS SELECT * FROM read_parquet(${str(file)})`);
      const [r] = await db.rows(`SELECT ${['count(*) AS n', ...aggregates].join(', ')} FROM ${id(table)}`);
      written.push({ table, objects: [{ key: goldObjectKey(table, ctx.runId), file: { local: file } }], rows: Number(r!['n']) });
      ctx.progress.end();
      return r!;
    };

    for (const model of models) {
      if (!model.partitionedBy) {
        await build(model.name, model.sql, `models/${model.name}.sql`);
        continue;
      }
      // A kept partition keeps its object (its file is that object); a new one gets a key of this run.
      const objects = parts.map((p) => {
        const file = p.tables[model.name]!.file;
        return { key: 'bucket' in file && file.bucket === 'gold' && !file.key.startsWith(STAGING) ? file.key : goldPartitionObjectKey(model.name, p.partition, ctx.runId), file };
      });
      const files = await stagedLocalPaths(ctx.lake, objects.map((o) => o.file), downloads);
      // No partition (an empty dataset): the table is its SQL over the empty dataset, with its columns.
      await db.run(`CREATE OR REPLACE TEMP VIEW ${id(model.name)} AS ${files.length ? `SELECT * FROM ${parquetFiles(files)}` : `SELECT * FROM ${subquery(model.sql)} WHERE false`}`);
      written.push({ table: model.name, objects, rows: parts.reduce((n, p) => n + p.tables[model.name]!.rows, 0) });
    }
    for (const kpi of kpis) {
      checkKpiOutput(kpi, await db.columns(kpi.sql).catch((err: unknown) => failsOnData(err, `kpis/${kpi.id}.yml`)));
      // An integer past 2^53 would be served rounded (see checkSafeIntegers).
      const integers = Object.entries(kpi.columns).flatMap(([name, c]) => (c.type === 'integer' ? [name] : []));
      const r = await build(kpi.table, kpi.sql, `kpis/${kpi.id}.yml`, integers.map((c, i) => `coalesce(bool_or(abs(${id(c)}::HUGEINT) > ${SAFE_INTEGER}), false) AS ${id(`u${i}`)}`));
      checkSafeIntegers(kpi, integers.filter((_, i) => r[`u${i}`] === true));
    }

    // A partition kept as it was is in place already.
    const toPublish = written.flatMap((w) => w.objects).filter((o) => !('bucket' in o.file && o.file.bucket === 'gold' && o.file.key === o.key));
    const bytes = await publishAll(ctx.lake, 'gold', toPublish);
    const objects = Object.fromEntries(written.map((w) => [w.table, w.objects.map((o) => o.key)]));

    const tables = Object.fromEntries(written.map((w) => [w.table, w.rows]));
    const partitions = Object.fromEntries(shards.map((s, i) => [s.input.partition, { digest: digests.get(s.input)!, rows: Object.fromEntries(Object.entries(parts[i]!.tables).map(([t, v]) => [t, v.rows])) }]));
    const state: GoldState = { format: 1, runId: ctx.runId, silverRunId: silver.runId, definitions, builtAt: new Date().toISOString(), tables, objects, partitions };
    ctx.draft.setGold(state);
    await clearStaging(ctx.lake, 'gold', ctx.runId);
    // Rows out: those of the largest model (the fact table), as rows in are silver's; without models, the KPIs' rows.
    const modelRows = written.filter((w) => models.some((m) => m.name === w.table)).map((w) => w.rows);
    const largest = modelRows.length ? Math.max(0, ...modelRows) : written.reduce((n, w) => n + w.rows, 0);
    return {
      stage: 'gold' as const,
      rowsIn,
      rowsOut: largest,
      quarantined: 0,
      bytes,
      details: { tables, partitions: parts.length, partitionsKept: kept.size, ...(reused.size ? { partitionsReused: reused.size } : {}) },
    };
  });
}

