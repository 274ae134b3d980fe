import { createHash } from 'node:crypto';
import path from 'node:path';
import { sqlString as str } from '../../engine/duckdb.js';
import type { ShardHandler, StagedFile } from '../shards.js';
import type { SilverState } from '../silver/index.js';
import { datasetView, writeTable } from './tables.js';

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
    await writeTable(db, model.sql, file, () => undefined, `models/${model.name}.sql`);
    const [r] = await db.rows(`SELECT count(*) AS n FROM read_parquet(${str(file)})`);
    tables[model.name] = { file: await stager.stage(file, `${model.name}.parquet`), rows: Number(r!['n']) };
    ctx.progress.end();
  }
  return { partition: input.partition, rows: Object.values(tables).reduce((n, t) => n + t.rows, 0), tables };
};

/**
 * What a gold partition is built from: its silver objects (size and time, from one listing) and the run
 * that wrote them — object times are whole seconds on S3 — the other datasets' likewise, and the
 * models' SQL (`models`: modelDefinitions; a KPI's does not change a partition).
 */
export function partitionDigest(models: string, input: GoldPartitionInput, silver: SilverState): string {
  // Silver's objects are never rewritten under the same key: their keys say what they hold.
  const others = Object.entries(input.others).map(([dataset, keys]) => [dataset, keys, silver.datasets[dataset]?.written ?? null]);
  return createHash('sha256')
    .update(JSON.stringify([models, input.dataset, input.partition, input.tables, input.keys, silver.datasets[input.dataset]?.written?.[input.partition] ?? null, others]))
    .digest('hex');
}

