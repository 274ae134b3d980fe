import fs from 'node:fs/promises';
import path from 'node:path';
import { sqlIdent as id, sqlString as str } from '../../engine/duckdb.js';
import { localPaths } from '../../lake/index.js';
import type { RunContext } from '../context.js';
import { stageAll, type ShardHandler } from '../shards.js';
import { SILVER_PARQUET } from '../merge.js';
import { datasetSelect } from '../silver/read.js';
import type { GoldPartitionInput, GoldPartitionOutput } from './partition-shard.js';
import { datasetView } from './tables.js';

/**
 * The partitions of the partitioned tables built in one statement per table, in this process: what the
 * shards do one partition at a time (goldPartitionShard), without paying a query, its views and its
 * file per partition. Each partition is still the table's SQL over that partition's silver alone (a
 * CTE named after the dataset shadows its view in that branch), so the rows of every partition are
 * exactly those its shard would build; the branches are written by one partitioned COPY.
 */
export const buildPartitionsTogether: ShardHandler<GoldPartitionInput[], GoldPartitionOutput[]> = async (ctx: RunContext, inputs: GoldPartitionInput[], stager) => {
  if (inputs.length === 0) return [];
  const db = await ctx.db();
  const downloads = await ctx.workDir('gold-inputs');
  const outputs = new Map<GoldPartitionInput, GoldPartitionOutput>(inputs.map((i) => [i, { partition: i.partition, rows: 0, tables: {} }]));
  // Shards of one dataset share the other datasets' objects: each group shares one view of them.
  const groups = new Map<string, GoldPartitionInput[]>();
  for (const input of inputs) {
    const key = JSON.stringify([input.dataset, input.tables, input.others]);
    groups.set(key, [...(groups.get(key) ?? []), input]);
  }
  for (const [g, group] of [...groups.values()].entries()) {
    const { dataset, others, tables } = group[0]!;
    const spec = ctx.config.project.datasets.find((d) => d.name === dataset)!;
    for (const [name, keys] of Object.entries(others)) await datasetView(ctx, db, name, keys, downloads);
    const branches: ((sql: string) => string)[] = [];
    for (const [i, input] of group.entries()) {
      const files = await localPaths(ctx.lake, 'silver', input.keys, downloads);
      // The newline ends a comment the table's SQL may end with.
      branches.push((sql) => `WITH ${id(dataset)} AS (${datasetSelect(spec, files)}) SELECT *, ${i} AS _part FROM (${sql}\n)`);
    }
    for (const model of ctx.config.project.models.filter((m) => tables.includes(m.name))) {
      ctx.progress.begin('gold', `${model.name} ${group.length} partition${group.length > 1 ? 's' : ''}`);
      const outDir = await ctx.workDir(`gold-partitions-${model.name}`);
      const union = branches.map((branch) => `(${branch(model.sql)})`).join(' UNION ALL ');
      await db.run(`COPY (${union}) TO ${str(outDir)} (FORMAT parquet, ${SILVER_PARQUET}, PARTITION_BY (_part), OVERWRITE_OR_IGNORE)`, (p) => ctx.progress.update(p.percent === undefined ? {} : { percent: p.percent }));
      const made: { input: GoldPartitionInput; file: string; name: string; rows: number }[] = [];
      for (const [i, input] of group.entries()) {
        const folder = path.join(outDir, `_part=${i}`);
        const written = (await fs.readdir(folder).catch(() => [] as string[])).filter((f) => f.endsWith('.parquet'));
        const file = path.join(outDir, `${i}.parquet`);
        if (written.length === 1) await fs.rename(path.join(folder, written[0]!), file);
        else {
          // A partition without rows (or, on a very large one, several files): one file of its rows, typed.
          // (The partition column is not written into the partitioned files: only the empty branch has it.)
          const source = written.length ? `SELECT * FROM read_parquet([${written.map((f) => str(path.join(folder, f))).join(', ')}], hive_partitioning = false)` : `SELECT * EXCLUDE (_part) FROM (${branches[i]!(model.sql)}) WHERE false`;
          await db.run(`COPY (${source}) TO ${str(file)} (FORMAT parquet, ${SILVER_PARQUET})`);
        }
        const [r] = await db.rows(`SELECT count(*) AS n FROM read_parquet(${str(file)})`);
        made.push({ input, file, name: `${g}.${i}/${model.name}.parquet`, rows: Number(r!['n']) });
      }
      const staged = await stageAll(stager, made);
      for (const [j, m] of made.entries()) {
        const output = outputs.get(m.input)!;
        output.tables[model.name] = { file: staged[j]!, rows: m.rows };
        output.rows += m.rows;
      }
      ctx.progress.end();
    }
  }
  return inputs.map((i) => outputs.get(i)!);
};
