import fs from 'node:fs/promises';
import pMap from 'p-map';
import { failpoint } from '../failpoints.js';
import { OBJECTS_AT_ONCE, runStaging, stagingPrefix, type Bucket, type ObjectStore } from '../lake/index.js';
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
 * A file a shard hands to the combine step: an object under the run's staging prefix (`stagingPrefix`
 * in lake/keys.ts) — with the local file it was uploaded from when the shard ran in this process on
 * S3, so that the combine step need not download it — or a local path (outputs of the combine step itself).
 */
export type StagedFile = { local: string } | { bucket: Bucket; key: string; local?: string };

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
  /**
   * Runs every shard and returns their outputs in the shards' order; fails with the first failing shard.
   * `onDone` sees each shard's output as soon as it is finished (its files staged).
   */
  map<I, O>(kind: ShardKind, shards: Shard<I>[], handler: ShardHandler<I, O>, onDone?: (index: number, output: O) => Promise<void>): Promise<O[]>;
}

/**
 * The shards a run finished, kept so that a later attempt of their task — a retry, or a resume of the
 * failed run (`datalake run --resume`) — reuses their outputs instead of doing them again. A shard is
 * known by its kind and input (the same input gives the same output); its output names staged files.
 * Set on the RunContext by the flow runner (flows/resume.ts keeps it in the lake).
 */
export interface ShardLedger {
  /** The outputs recorded for these shards whose staged files are all still there; undefined for the others. */
  finished<I, O>(kind: ShardKind, shards: Shard<I>[]): Promise<(O | undefined)[]>;
  /**
   * Records finished shards. An output that is not durable yet (it has a `keep`: an in-process view
   * written out only if the task fails) is held in memory until {@link keepHeld}.
   */
  record<I, O>(kind: ShardKind, done: { shard: Shard<I>; output: O }[]): Promise<void>;
  /** The task is failing: the outputs held are written out (their `keep`) and recorded, for the next attempt. */
  keepHeld(): Promise<void>;
}

/** An in-process output that is not in the lake yet (a DuckDB view): `keep` writes it out, as a staged file, and returns it so. */
export interface Keepable<O> {
  keep?: () => Promise<O>;
}

export const shardBucket = (kind: ShardKind): Bucket => (kind === 'gold.partition' ? 'gold' : 'silver');

/**
 * Stages files from this process under a staging prefix of the run: on a folder lake the file is moved
 * in (a rename) and read there; on S3 it is uploaded and the local file kept for the combine step.
 */
export function lakeStager(lake: ObjectStore, bucket: Bucket, prefix: string): Stager {
  return {
    remote: false,
    async stage(file, name) {
      const key = `${prefix}${name}`;
      if (lake.local) {
        await lake.putFile(bucket, key, file, { move: true });
        return { bucket, key };
      }
      await lake.putFile(bucket, key, file);
      return { bucket, key, local: file };
    },
  };
}

/** One shard in this process, its files staged under the run's prefix for this attempt and index. */
export async function inlineShard<I, O>(ctx: RunContext, kind: ShardKind, attempt: number, index: number, shard: Shard<I>, handler: ShardHandler<I, O>): Promise<O> {
  failpoint(`shard:${shard.label}`);
  return handler(ctx, shard.input, lakeStager(ctx.lake, shardBucket(kind), stagingPrefix(ctx.runId, attempt, kind, index)));
}

/** Shards run in the calling process, in order: the default, and what in-process flows build on. */
export function inlineRunner(ctx: RunContext, attempt = 1): ShardRunner {
  return {
    inProcess: true,
    async map(kind, shards, handler, onDone) {
      const outputs = [];
      for (const [i, shard] of shards.entries()) {
        const output = await inlineShard(ctx, kind, attempt, i, shard, handler);
        await onDone?.(i, output);
        outputs.push(output);
      }
      return outputs;
    },
  };
}

/**
 * Runs shards on a runner, reusing the outputs of those an earlier attempt of the run finished (the
 * run's ledger, when it has one) and recording each new one as it finishes.
 */
export async function runShards<I, O>(ctx: RunContext, runner: ShardRunner, kind: ShardKind, shards: Shard<I>[], handler: ShardHandler<I, O>): Promise<O[]> {
  const ledger = ctx.ledger;
  const found = ledger ? await ledger.finished<I, O>(kind, shards) : [];
  const todo = shards.filter((_, i) => found[i] === undefined);
  const onDone = ledger ? (i: number, output: O) => ledger.record(kind, [{ shard: todo[i]!, output }]) : undefined;
  const fresh = todo.length ? await runner.map(kind, todo, handler, onDone) : [];
  return shards.map((_, i) => found[i] ?? fresh.shift()!);
}

/** The local path of a staged file, downloading it from S3 if need be. */
export async function stagedLocalPath(lake: ObjectStore, file: StagedFile, scratchDir: string): Promise<string> {
  if (!('bucket' in file)) return file.local;
  return file.local ?? lake.localPath(file.bucket, file.key, scratchDir);
}

/** The local paths of staged files, in their order, downloaded several at once. */
export function stagedLocalPaths(lake: ObjectStore, files: readonly StagedFile[], scratchDir: string): Promise<string[]> {
  return pMap(files, (file) => stagedLocalPath(lake, file, scratchDir), { concurrency: OBJECTS_AT_ONCE });
}

/** Puts a staged file at its final key: a server-side copy (a hard link on a folder) of a staged object, a move of a local file. */
export async function publishStaged(lake: ObjectStore, file: StagedFile, bucket: Bucket, key: string): Promise<void> {
  if ('bucket' in file) await lake.copy({ bucket: file.bucket, key: file.key }, { bucket, key });
  else await lake.putFile(bucket, key, file.local, { move: true });
}

/**
 * Publishes staged files at their final keys (see publishStaged): the first alone (`onFirst` runs once
 * it is in place), the others several at once (against an S3 service 10 ms away, a gold build's ~60
 * objects took 1.5 s one after the other). Returns the bytes published.
 */
export async function publishAll(lake: ObjectStore, bucket: Bucket, items: readonly { file: StagedFile; key: string }[], onFirst?: () => void): Promise<number> {
  const sizes = await pMap(items, (item) => stagedSize(lake, item.file), { concurrency: OBJECTS_AT_ONCE });
  const [first, ...rest] = items;
  if (!first) return 0;
  await publishStaged(lake, first.file, bucket, first.key);
  onFirst?.();
  const uploads = (i: number) => !lake.local && !('bucket' in rest[i]!.file) && sizes[i + 1]! > LARGE_UPLOAD;
  await settleEach(rest.length, uploads, (i) => publishStaged(lake, rest[i]!.file, bucket, rest[i]!.key));
  return sizes.reduce((a, b) => a + b, 0);
}

/** Stages local files (see Stager.stage), several at once (an upload each on S3); returns them in their order. */
export async function stageAll(stager: Stager, files: readonly { file: string; name: string }[]): Promise<StagedFile[]> {
  const sizes = await Promise.all(files.map((f) => fs.stat(f.file).then((s) => s.size)));
  const staged: StagedFile[] = new Array<StagedFile>(files.length);
  await settleEach(files.length, (i) => sizes[i]! > LARGE_UPLOAD, async (i) => void (staged[i] = await stager.stage(files[i]!.file, files[i]!.name)));
  return staged;
}

/** A file above this is uploaded to S3 in parts (lib-storage), up to 64 MiB of them held in memory. */
const LARGE_UPLOAD = 16 * 1024 * 1024;

/**
 * Runs `work` on items 0..n-1: those `oneAtATime` says (large uploads, for memory) one after the other,
 * the rest several at once. A failure is thrown once every item is done, so that a retry never meets
 * one still under way.
 */
async function settleEach(n: number, oneAtATime: (i: number) => boolean, work: (i: number) => Promise<void>): Promise<void> {
  const failures: unknown[] = [];
  const each = (i: number) => work(i).catch((err: unknown) => void failures.push(err));
  const indexes = Array.from({ length: n }, (_, i) => i);
  await Promise.all([
    pMap(indexes.filter((i) => !oneAtATime(i)), each, { concurrency: OBJECTS_AT_ONCE }),
    pMap(indexes.filter(oneAtATime), each, { concurrency: 1 }),
  ]);
  if (failures.length) throw failures[0];
}

/**
 * Removes a run's staged objects in a bucket, once its task has put them at their final keys. Those
 * of a run that failed stay, for its resume, until the run completes or is vacuumed.
 */
export async function clearStaging(lake: ObjectStore, bucket: Bucket, runId: string): Promise<void> {
  await pMap(await lake.list(bucket, runStaging(runId)), (o) => lake.delete(bucket, o.key), { concurrency: OBJECTS_AT_ONCE });
}

export async function stagedSize(lake: ObjectStore, file: StagedFile): Promise<number> {
  if (file.local !== undefined) return (await fs.stat(file.local)).size;
  return 'bucket' in file ? ((await lake.head(file.bucket, file.key))?.size ?? 0) : 0;
}
