import fs from 'node:fs/promises';
import path from 'node:path';
import { parquetFiles, sqlString as str } from '../engine/duckdb.js';
import { UserError } from '../errors.js';
import { localPaths, silverObjectKey } from '../lake/index.js';
import { timed, type RunContext, type StageResult } from '../pipeline/context.js';
import { SILVER_PARQUET } from '../pipeline/merge.js';
import type { SilverState } from '../pipeline/silver/state.js';
import type { Project } from '../project/types.js';
import { DATALAKE } from '../command-name.js';

/**
 * Compaction: a daily drop of new keys is appended to its partition as a file of its own (merge.ts), so
 * partitions of a lake fed every day gather many small files. Compact rewrites each partition of two
 * files or more into one, with exactly its rows, under keys of this run; silver's new state goes to
 * the run's draft, gold is rebuilt for those partitions by the flow's next task, and the commit makes
 * it all a new version (the previous one still reads the small files until vacuum removes them).
 */
/** A dataset of the project by name, or one line naming those there are. */
export function requireDataset(project: Project, name: string): void {
  if (!project.datasets.some((d) => d.name === name)) throw new UserError(`no dataset "${name}" in project ${project.name}`, `datasets: ${project.datasets.map((d) => d.name).join(', ')}`);
}

export async function runCompact(ctx: RunContext, dataset?: string): Promise<StageResult> {
  return timed(async () => {
    if (dataset !== undefined) requireDataset(ctx.config.project, dataset);
    const silver = await ctx.draft.silver();
    // On an empty lake compact would skip, then gold fail on the empty silver: one error, here, instead.
    if (!silver || Object.keys(silver.datasets).length === 0) {
      throw new UserError('there is nothing to compact: silver is empty (no source file has been ingested yet)', `run the pipeline first (\`${DATALAKE} run\`); compact joins the files daily drops add to silver's partitions`);
    }
    const todo = Object.entries(silver?.datasets ?? {})
      .filter(([name]) => dataset === undefined || name === dataset)
      .flatMap(([name, d]) => Object.entries(d.partitions).filter(([, keys]) => keys.length > 1).map(([partition, keys]) => ({ name, partition, keys })));
    if (todo.length === 0) {
      const skipped = `no partition${dataset ? ` of ${dataset}` : ''} has more than one file`;
      return { stage: 'compact' as const, rowsIn: 0, rowsOut: 0, quarantined: 0, bytes: 0, details: { skipped } };
    }
    const db = await ctx.db();
    const downloads = await ctx.workDir('compact-inputs');
    const outDir = await ctx.workDir('compact');
    const next: SilverState = structuredClone(silver);
    let rows = 0;
    let bytes = 0;
    const compacted: { dataset: string; partition: string; files: number; rows: number }[] = [];
    for (const [i, part] of todo.entries()) {
      ctx.progress.begin('compact', `${part.name} ${part.partition || '(one partition)'}: ${part.keys.length} files`);
      const files = await localPaths(ctx.lake, 'silver', part.keys, downloads);
      const out = path.join(outDir, `${i}.parquet`);
      // In the order of the files, so that the rows keep their order too.
      await db.run(`COPY (SELECT * FROM ${parquetFiles(files)}) TO ${str(out)} (FORMAT parquet, ${SILVER_PARQUET}, PRESERVE_ORDER true)`);
      const [before] = await db.rows(`SELECT count(*) AS n FROM ${parquetFiles(files)}`);
      const [after] = await db.rows(`SELECT count(*) AS n FROM read_parquet(${str(out)})`);
      if (Number(before!['n']) !== Number(after!['n'])) throw new Error(`compacting ${part.name} ${part.partition}: ${before!['n']} rows read, ${after!['n']} written`);
      const size = (await fs.stat(out)).size;
      const key = silverObjectKey(part.name, part.partition, ctx.runId, 'data_0.parquet');
      await ctx.lake.putFile('silver', key, out, { move: true });
      const d = next.datasets[part.name]!;
      d.partitions[part.partition] = [key];
      // Gold rebuilds the partitions silver wrote since it was built: these, with the same rows.
      d.written = { ...d.written, [part.partition]: ctx.runId };
      rows += Number(after!['n']);
      bytes += size;
      compacted.push({ dataset: part.name, partition: part.partition, files: part.keys.length, rows: Number(after!['n']) });
      ctx.progress.end();
    }
    next.runId = ctx.runId;
    next.updatedAt = new Date().toISOString();
    ctx.draft.setSilver(next);
    return {
      stage: 'compact' as const,
      rowsIn: rows,
      rowsOut: rows,
      quarantined: 0,
      bytes,
      details: { partitions: compacted.length, filesBefore: compacted.reduce((n, c) => n + c.files, 0), compacted },
    };
  });
}
