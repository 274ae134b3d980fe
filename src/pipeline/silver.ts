import path from 'node:path';
import { DATASETS, type DatasetSpec } from '../datasets/index.js';
import { sqlIdent as id, sqlString as str } from '../engine/duckdb.js';
import type { ObjectStore } from '../lake/index.js';
import { cleanDataset, type CleaningStats, type QualityCheck } from './cleaning.js';
import { checkHeader, inspectHeader } from './csv-file.js';
import { readManifest, type BronzeFile } from './bronze.js';
import { timed, type RunContext, type StageResult } from './context.js';
import { fileQuarantineKey, orphansKey, SILVER_STATE, silverObjectKey } from './layout.js';
import { mergeDataset } from './merge.js';
import { clearStaging, inlineRunner, publishStaged, stagedLocalPath, stagedSize, type ShardHandler, type ShardRunner, type StagedFile } from './shards.js';

/** What silver holds, written last by each silver run that changes something. */
export interface SilverState {
  format: 1;
  /** The run that last changed silver: gold compares it with the one it was built from. */
  runId: string;
  updatedAt: string;
  /** Bronze keys merged (or superseded by a later version of the same name before being merged). */
  processed: string[];
  datasets: Record<string, { rows: number; orphans: number; partitions: Record<string, string[]>; written?: Record<string, string> }>;
}

export async function readSilverState(store: ObjectStore): Promise<SilverState | undefined> {
  const bytes = await store.getBytes('silver', SILVER_STATE);
  return bytes ? (JSON.parse(bytes.toString('utf8')) as SilverState) : undefined;
}

/** The silver objects of a dataset, all partitions. */
export function silverObjects(state: SilverState | undefined, dataset: string): string[] {
  return Object.values(state?.datasets[dataset]?.partitions ?? {}).flat();
}

/** Per dataset: the cleaning counts of its new files, and what the merge did. */
export interface SilverDatasetStats extends CleaningStats {
  files: string[];
  replaced: number;
  promoted: number;
  /** Rows in silver after the run. */
  rows: number;
  /** Rows waiting for their reference, after the run. */
  unresolved: number;
  partitionsWritten: string[];
}

export interface SilverOptions {
  /** Ignore what silver holds and rebuild it from every bronze file (the latest version of each name). */
  fullRefresh?: boolean;
  /** Where the per-file cleaning runs: in this process (default) or on the workers. */
  shards?: ShardRunner;
}

export interface CleanShardInput {
  dataset: string;
  /** The bronze file. */
  key: string;
  name: string;
  rows: number;
  /** The shard's position: names its temporary tables apart from the other files' in one session. */
  index: number;
  /** One of several new files of the dataset: progress names the file, and its valid rows are written out. */
  many: boolean;
}

export interface CleanShardOutput {
  dataset: string;
  key: string;
  /** Valid rows. */
  rows: number;
  /** The file's valid rows: a view of the run's session in-process, a staged Parquet file from a worker. */
  valid: { relation: string } | StagedFile;
  quarantine?: StagedFile;
  stats: CleaningStats;
  quality: QualityCheck[];
  /** Drops the in-process view's tables once merged. */
  dispose?: () => Promise<void>;
}

/** One bronze file's cleaning (see cleaning.ts): a shard of the silver task. */
export const cleanShard: ShardHandler<CleanShardInput, CleanShardOutput> = async (ctx, input, stager) => {
  const spec = DATASETS.find((d) => d.name === input.dataset);
  if (!spec) throw new Error(`unknown dataset ${input.dataset}`);
  const db = await ctx.db();
  const outDir = await ctx.workDir('silver');
  const csv = await ctx.store.localPath('bronze', input.key, await ctx.workDir('silver-inputs'));
  const header = checkHeader(input.name, await inspectHeader(csv), spec);
  ctx.progress.begin('silver', input.many ? `${spec.name} ${input.name}` : spec.name, input.rows);
  const cleaned = await cleanDataset(db, spec, csv, {
    header,
    sourceName: input.key,
    outDir,
    tag: `_${input.index}`,
    settings: ctx.config.qualitySettings,
    onProgress: (p) => ctx.progress.update(p.percent === undefined ? {} : { percent: p.percent }),
  });
  ctx.progress.end();
  const quarantine = cleaned.quarantineFile ? await stager.stage(cleaned.quarantineFile, 'quarantine.parquet') : undefined;
  const result = { dataset: spec.name, key: input.key, rows: cleaned.stats.rowsOut, stats: cleaned.stats, quality: cleaned.quality, ...(quarantine ? { quarantine } : {}) };
  // A lone file stays a view of this session until merged (no copy); with several, each file's working
  // tables would pile up in memory until the merge, so each is written out and dropped at once.
  if (!stager.remote && !input.many) return { ...result, valid: { relation: cleaned.validRelation }, dispose: cleaned.dispose };
  const validFile = path.join(outDir, `valid_${input.index}.parquet`);
  await db.run(`COPY (SELECT * FROM ${cleaned.validRelation}) TO ${str(validFile)} (FORMAT parquet)`);
  await cleaned.dispose();
  return { ...result, valid: await stager.stage(validFile, 'valid.parquet') };
};

/**
 * Silver: the bronze files not merged yet are cleaned one by one (rejected rows to a quarantine file per
 * bronze file), then merged into each dataset by key, in arrival order. Every dataset is cleaned, merged
 * and checked in scratch before any object is uploaded, so a fatal rule leaves silver as it was; the
 * state file is written last, and rerunning an interrupted upload gives the same objects.
 */
export async function runSilver(ctx: RunContext, options: SilverOptions = {}): Promise<StageResult> {
  return timed(async () => {
    const manifest = await readManifest(ctx);
    const previous = await readSilverState(ctx.store);
    const state: SilverState = options.fullRefresh || !previous ? { format: 1, runId: '', updatedAt: '', processed: [], datasets: {} } : previous;
    const done = new Set(state.processed);
    const pending = manifest.files.filter((f) => !done.has(f.key)).sort((a, b) => a.seq - b.seq);
    if (pending.length === 0) {
      return { stage: 'silver' as const, rowsIn: 0, rowsOut: 0, quarantined: 0, bytes: 0, details: { skipped: `no new bronze file since run ${state.runId}` } };
    }
    // Of several new versions of one name, only the latest is merged, as if the earlier never came.
    const latest = new Map<string, BronzeFile>();
    for (const f of pending) if ((latest.get(f.name)?.version ?? 0) < f.version) latest.set(f.name, f);
    const toMerge = [...latest.values()].sort((a, b) => a.seq - b.seq);

    await clearStaging(ctx.store, 'silver');
    // Every new file is cleaned on its own (a shard: on the workers in distributed mode), then merged.
    const runner = options.shards ?? inlineRunner(ctx);
    const cleaned = await runner.map(
      'silver.clean',
      toMerge.map((f, index) => ({ label: `clean ${f.key}`, input: { dataset: f.dataset, key: f.key, name: f.name, rows: f.rows, index, many: toMerge.filter((o) => o.dataset === f.dataset).length > 1 } })),
      cleanShard,
    );

    const db = await ctx.db();
    const downloads = await ctx.workDir('silver-inputs');
    const uploads: { key: string; file: StagedFile }[] = [];
    const deletes: string[] = [];
    const next: SilverState = { ...state, datasets: { ...state.datasets } };
    const stats: Record<string, SilverDatasetStats> = {};
    const quality: QualityCheck[] = [];
    const changed = new Set<string>();
    let rowsIn = 0;

    for (const spec of DATASETS) {
      const files = toMerge.filter((f) => f.dataset === spec.name);
      const current = state.datasets[spec.name] ?? { rows: 0, orphans: 0, partitions: {} };
      const ref = spec.references;
      const waitingForReference = ref !== undefined && changed.has(ref.dataset) && current.orphans > 0;
      const referenced = DATASETS.some((d) => d.references?.dataset === spec.name);
      if (files.length === 0 && !waitingForReference && !referenced) continue;
      const existing: { partition: string; file: string }[] = [];
      for (const [partition, keys] of Object.entries(current.partitions)) {
        for (const key of keys) existing.push({ partition, file: await ctx.store.localPath('silver', key, downloads) });
      }
      if (files.length === 0 && !waitingForReference) {
        // Unchanged, but the datasets referencing it check their rows against it.
        await db.run(`CREATE OR REPLACE TEMP VIEW ${id(`silver_${spec.name}`)} AS SELECT * FROM ${existing.length ? `read_parquet([${existing.map((e) => str(e.file)).join(', ')}], hive_partitioning = false)` : `(SELECT NULL AS ${id(spec.key)} WHERE false)`}`);
        continue;
      }

      const s = emptyStats(spec, files);
      const incoming: { relation: string; source: string }[] = [];
      for (const c of cleaned.filter((o) => o.dataset === spec.name)) {
        const relation = 'relation' in c.valid ? c.valid.relation : `read_parquet(${str(await stagedLocalPath(ctx.store, c.valid, downloads))})`;
        incoming.push({ relation, source: c.key });
        addCleaning(s, c.stats);
        quality.push(...c.quality);
        if (c.quarantine) uploads.push({ key: fileQuarantineKey(c.key), file: c.quarantine });
      }

      ctx.progress.begin('silver', `merge ${spec.name}`);
      const merged = await mergeDataset(db, {
        spec,
        incoming,
        existing,
        ...(current.orphans > 0 ? { orphansFile: await ctx.store.localPath('silver', orphansKey(spec.name), downloads) } : {}),
        ...(ref ? { referenced: `SELECT ${id(DATASETS.find((d) => d.name === ref.dataset)!.key)} AS ${id(ref.column)} FROM ${id(`silver_${ref.dataset}`)}` } : {}),
        outDir: await ctx.workDir(`silver-merge-${spec.name}`),
      });
      ctx.progress.end();
      quality.push(...merged.quality);

      const partitions = { ...current.partitions };
      for (const p of merged.touched) {
        const keys = merged.written.filter((w) => w.partition === p).map((w) => silverObjectKey(spec.name, p, w.name));
        for (const old of partitions[p] ?? []) if (!keys.includes(old)) deletes.push(old);
        if (keys.length) partitions[p] = keys;
        else delete partitions[p];
      }
      for (const w of merged.written) uploads.push({ key: silverObjectKey(spec.name, w.partition, w.name), file: { local: w.file } });
      if (merged.orphans.changed) {
        if (merged.orphans.file) uploads.push({ key: orphansKey(spec.name), file: { local: merged.orphans.file } });
        else deletes.push(orphansKey(spec.name));
      }
      // The run that last wrote each partition: gold rebuilds the partitions written since it was built.
      const written = { ...current.written };
      for (const p of Object.keys(written)) if (!partitions[p]) delete written[p];
      for (const p of merged.touched) if (partitions[p]) written[p] = ctx.runId;
      next.datasets[spec.name] = { rows: merged.counts.rows, orphans: merged.orphans.rows, partitions, written };
      changed.add(spec.name);

      s.rowsOut = merged.counts.incoming - merged.counts.newOrphans;
      s.quarantined += merged.counts.newOrphans;
      if (merged.counts.newOrphans) s.reasons[`unknown_reference:${ref!.column}`] = merged.counts.newOrphans;
      Object.assign(s, { replaced: merged.counts.replaced, promoted: merged.counts.promoted, rows: merged.counts.rows, unresolved: merged.orphans.rows, partitionsWritten: merged.touched });
      stats[spec.name] = s;
      rowsIn += s.rowsIn;
    }
    for (const c of cleaned) await c.dispose?.();

    // A full refresh rebuilds every dataset: objects of the previous silver that were not rewritten go.
    if (options.fullRefresh && previous) {
      const kept = new Set([...uploads.map((u) => u.key), ...Object.values(next.datasets).flatMap((d) => Object.values(d.partitions).flat())]);
      for (const d of Object.keys(previous.datasets)) {
        for (const key of [...silverObjects(previous, d), orphansKey(d)]) if (!kept.has(key) && !deletes.includes(key)) deletes.push(key);
      }
    }

    let bytes = 0;
    for (const u of uploads) bytes += await stagedSize(ctx.store, u.file);
    for (const u of uploads) await publishStaged(ctx.store, u.file, 'silver', u.key);
    for (const key of deletes) await ctx.store.delete('silver', key);
    next.processed = [...state.processed, ...pending.map((f) => f.key)];
    next.runId = ctx.runId;
    next.updatedAt = new Date().toISOString();
    await ctx.store.putBytes('silver', SILVER_STATE, JSON.stringify(next, null, 2));
    await clearStaging(ctx.store, 'silver', ctx.runId);

    const sum = (f: (s: SilverDatasetStats) => number) => Object.values(stats).reduce((acc, s) => acc + f(s), 0);
    return {
      stage: 'silver' as const,
      rowsIn,
      rowsOut: sum((s) => s.rowsOut),
      quarantined: sum((s) => s.quarantined),
      bytes,
      details: { files: toMerge.map((f) => f.key), superseded: pending.filter((f) => !toMerge.includes(f)).map((f) => f.key), datasets: stats, quality: mergeChecks(quality) },
    };
  });
}

function emptyStats(spec: DatasetSpec, files: BronzeFile[]): SilverDatasetStats {
  return {
    dataset: spec.name,
    files: files.map((f) => f.key),
    rowsIn: 0,
    rowsOut: 0,
    quarantined: 0,
    emptyRows: 0,
    exactDuplicates: 0,
    reasons: {},
    replaced: 0,
    promoted: 0,
    rows: 0,
    unresolved: 0,
    partitionsWritten: [],
  };
}

function addCleaning(into: SilverDatasetStats, s: CleaningStats): void {
  into.rowsIn += s.rowsIn;
  into.quarantined += s.quarantined;
  into.emptyRows += s.emptyRows;
  into.exactDuplicates += s.exactDuplicates;
  for (const [reason, n] of Object.entries(s.reasons)) into.reasons[reason] = (into.reasons[reason] ?? 0) + n;
}

/** One line per dataset, rule and column: the counts of every file added up, the first examples kept. */
function mergeChecks(checks: QualityCheck[]): QualityCheck[] {
  const byRule = new Map<string, QualityCheck>();
  for (const q of checks) {
    const k = `${q.dataset}|${q.rule}|${q.column ?? ''}`;
    const seen = byRule.get(k);
    if (!seen) byRule.set(k, { ...q, examples: [...q.examples] });
    else {
      seen.checked += q.checked;
      seen.failed += q.failed;
      seen.examples = [...seen.examples, ...q.examples].slice(0, 3);
    }
  }
  return [...byRule.values()];
}
