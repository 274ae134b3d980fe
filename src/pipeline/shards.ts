import fs from 'node:fs/promises';
import { STAGING, type Bucket, type ObjectStore } from '../lake/index.js';
import type { RunContext } from './context.js';

/**
 * Shards: the parts of a stage that do not depend on each other (cleaning one bronze file, building the
 * gold fact of one month), run before the stage's combine step. In-process they run one after the
 * other in the run's own DuckDB session; in distributed mode a {@link ShardRunner} puts them on the
 * shard queue, where every worker takes some, and their outputs come back through the lake.
 */
export type ShardKind = 'silver.clean' | 'gold.partition';

export interface Shard<I> {
  /** Shown in the run record and on the dashboard's timeline: `clean achats_2026-01.csv`. */
  label: string;
  /** JSON: it travels through Redis in distributed mode. */
  input: I;
}

/**
 * A file a shard hands to the combine step: a local path when both run in the same process, else an
 * object under the run's staging prefix (`stagingPrefix` in lake/keys.ts).
 */
export type StagedFile = { local: string } | { bucket: Bucket; key: string };

/** How a shard hands over its output files. */
export interface Stager {
  /** True when the shard runs in another process than the combine step (distributed mode). */
  readonly remote: boolean;
  stage(file: string, name: string): Promise<StagedFile>;
}

export type ShardHandler<I, O> = (ctx: RunContext, input: I, stager: Stager) => Promise<O>;

export interface ShardRunner {
  /** The shards run in this process, in the run's DuckDB session: a task may then do several in one statement. */
  readonly inProcess?: boolean;
  /** Runs every shard and returns their outputs in the shards' order; fails with the first failing shard. */
  map<I, O>(kind: ShardKind, shards: Shard<I>[], handler: ShardHandler<I, O>): Promise<O[]>;
}

/** Shards run in the calling process, in order: the default, and what in-process flows build on. */
export function inlineRunner(ctx: RunContext): ShardRunner {
  const stager: Stager = { remote: false, stage: async (file) => ({ local: file }) };
  return {
    inProcess: true,
    async map(_kind, shards, handler) {
      const outputs = [];
      for (const shard of shards) outputs.push(await handler(ctx, shard.input, stager));
      return outputs;
    },
  };
}


/** The local path of a staged file, downloading it from S3 if need be. */
export async function stagedLocalPath(lake: ObjectStore, file: StagedFile, scratchDir: string): Promise<string> {
  return 'local' in file ? file.local : lake.localPath(file.bucket, file.key, scratchDir);
}

/** Puts a staged file at its final key: a move for a local file, a server-side copy (a hard link on a folder) for an object. */
export async function publishStaged(lake: ObjectStore, file: StagedFile, bucket: Bucket, key: string): Promise<void> {
  if ('local' in file) await lake.putFile(bucket, key, file.local, { move: true });
  else await lake.copy({ bucket: file.bucket, key: file.key }, { bucket, key });
}

/** Removes staged objects: those of one run, or (no run id) every run's, which only the lock holder may do. */
export async function clearStaging(lake: ObjectStore, bucket: Bucket, runId?: string): Promise<void> {
  for (const o of await lake.list(bucket, runId ? `${STAGING}${runId}/` : STAGING)) await lake.delete(bucket, o.key);
}

export async function stagedSize(lake: ObjectStore, file: StagedFile): Promise<number> {
  if ('local' in file) return (await fs.stat(file.local)).size;
  return (await lake.head(file.bucket, file.key))?.size ?? 0;
}
