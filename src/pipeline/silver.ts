import { createHash } from 'node:crypto';
import path from 'node:path';
import type { DatasetSpec, Project } from '../project/types.js';
import { sqlIdent as id, sqlString as str } from '../engine/duckdb.js';
import { UserError } from '../errors.js';
import { fileQuarantineKey, orphansKey, readJson, SILVER_STATE, silverObjectKey, writeJson, type ObjectStore } from '../lake/index.js';
import { cleanDataset, type CleaningStats, type QualityCheck } from './cleaning.js';
import { headerProblem, inspectHeader, matchHeader } from './csv-file.js';
import { datasetForFile, readManifest, type BronzeFile } from './bronze.js';
import { timed, type RunContext, type StageResult } from './context.js';
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
  datasets: Record<string, { rows: number; orphans: number; partitions: Record<string, string[]>; written?: Record<string, string>; definition?: string }>;
  /**
   * Bronze files that cannot be read as their dataset (a required column missing): each waits, with
   * its reason, until a new version of it arrives or the dataset's definition changes.
   */
  waiting?: Record<string, { dataset: string; reason: string; definition: string }>;
}

export async function readSilverState(lake: ObjectStore): Promise<SilverState | undefined> {
  return readJson<SilverState>(lake, SILVER_STATE);
}

/** The silver objects of a dataset, all partitions. */
export function silverObjects(state: SilverState | undefined, dataset: string): string[] {
  return Object.values(state?.datasets[dataset]?.partitions ?? {}).flat();
}

/** A digest of a dataset's definition: silver is rebuilt from bronze when one changes. */
export function definitionDigest(spec: DatasetSpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
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
  /** Files set aside whole, with the reason (a required column missing). */
  waitingFiles: { file: string; reason: string }[];
  /** Optional columns a file did not have (read as missing values), per file. */
  missingColumns: Record<string, string[]>;
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
  /** Bronze counted `rows` as records (newer manifests): the cleaning must account for each of them. */
  recordCount?: boolean;
  longestRecord?: number;
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
  valid?: { relation: string } | StagedFile;
  quarantine?: StagedFile;
  stats?: CleaningStats;
  quality?: QualityCheck[];
  /** The file cannot be read as its dataset: it waits in quarantine, whole, for this reason. */
  waiting?: string;
  /** Optional declared columns the file lacks. */
  missingColumns?: string[];
  /** Drops the in-process view's tables once merged. */
  dispose?: () => Promise<void>;
}

function datasetNamed(project: Project, name: string): DatasetSpec {
  const spec = project.datasets.find((d) => d.name === name);
  if (!spec) throw new Error(`unknown dataset ${name}`);
  return spec;
}

/** One bronze file's cleaning (see cleaning.ts): a shard of the silver task. */
export const cleanShard: ShardHandler<CleanShardInput, CleanShardOutput> = async (ctx, input, stager) => {
  const spec = datasetNamed(ctx.config.project, input.dataset);
  const db = await ctx.db();
  const outDir = await ctx.workDir('silver');
  const csv = await ctx.lake.localPath('bronze', input.key, await ctx.workDir('silver-inputs'));
  const header = await inspectHeader(csv, spec.delimiter);
  const match = matchHeader(header, spec);
  const problem = headerProblem(input.name, header, match, spec);
  if (problem) return { dataset: spec.name, key: input.key, rows: 0, waiting: problem.message };
  const missingColumns = match.missingOptional.length ? { missingColumns: match.missingOptional } : {};
  ctx.progress.begin('silver', input.many ? `${spec.name} ${input.name}` : spec.name, input.rows);
  const cleaned = await cleanDataset(db, spec, csv, {
    header: match.names,
    sourceName: input.key,
    outDir,
    tag: `_${input.index}`,
    settings: ctx.config.qualitySettings,
    ...(input.longestRecord ? { longestRecord: input.longestRecord } : {}),
    ...(input.recordCount ? { expectedRecords: input.rows } : {}),
    onProgress: (p) => ctx.progress.update(p.percent === undefined ? {} : { percent: p.percent }),
  });
  ctx.progress.end();
  // Every record bronze counted is read or rejected: kept, quarantined or a counted drop follows. The
  // cleaning falls back to quarantining every line when its reading falls short; fewer still would
  // mean rows lost without a word: nothing is merged from such a reading.
  if (input.recordCount && cleaned.stats.rowsIn < input.rows) {
    await cleaned.dispose();
    throw new UserError(
      `${input.name}: the CSV reader accounted for ${cleaned.stats.rowsIn} of its ${input.rows} records: ${input.rows - cleaned.stats.rowsIn} would be lost`,
      'the run stops rather than lose rows; please report it with the file',
    );
  }
  const quarantine = cleaned.quarantineFile ? await stager.stage(cleaned.quarantineFile, 'quarantine.parquet') : undefined;
  const result = { dataset: spec.name, key: input.key, rows: cleaned.stats.rowsOut, stats: cleaned.stats, quality: cleaned.quality, ...missingColumns, ...(quarantine ? { quarantine } : {}) };
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
 * bronze file), then merged into each dataset, in arrival order. Every dataset is cleaned, merged and
 * checked in scratch before any object is uploaded, so a fatal rule leaves silver as it was; the state
 * file is written last, and rerunning an interrupted upload gives the same objects. When a dataset's
 * definition changed since silver was built, silver is rebuilt from every bronze file.
 */
export async function runSilver(ctx: RunContext, options: SilverOptions = {}): Promise<StageResult> {
  return timed(async () => {
    const { project } = ctx.config;
    const manifest = await readManifest(ctx);
    const previous = await readSilverState(ctx.lake);
    const digests = new Map(project.datasets.map((d) => [d.name, definitionDigest(d)]));
    const redefined = previous && !options.fullRefresh ? changedDefinitions(previous, digests) : [];
    const rebuild = options.fullRefresh === true || redefined.length > 0;
    const state: SilverState = rebuild || !previous ? { format: 1, runId: '', updatedAt: '', processed: [], datasets: {} } : previous;
    const done = new Set(state.processed);
    const datasetOf = (f: BronzeFile) => datasetForFile(project, f.name)?.name;
    const unprocessed = manifest.files.filter((f) => !done.has(f.key)).sort((a, b) => a.seq - b.seq);
    // Of several versions of one name not merged yet, only the latest is merged, as if the earlier never came.
    const latest = new Map<string, BronzeFile>();
    for (const f of unprocessed) if ((latest.get(f.name)?.version ?? 0) < f.version) latest.set(f.name, f);
    const superseded = unprocessed.filter((f) => latest.get(f.name) !== f);
    // A file waiting in quarantine is tried again only when its dataset's definition changes.
    const stillWaiting = (f: BronzeFile) => state.waiting?.[f.key] !== undefined && state.waiting[f.key]!.definition === digests.get(datasetOf(f) ?? '');
    const candidates = [...latest.values()].filter((f) => !stillWaiting(f)).sort((a, b) => a.seq - b.seq);
    if (candidates.length === 0) {
      return { stage: 'silver' as const, rowsIn: 0, rowsOut: 0, quarantined: 0, bytes: 0, details: { skipped: `no new bronze file since run ${state.runId}` } };
    }
    const toMerge = candidates.filter((f) => datasetOf(f) !== undefined).map((f) => ({ ...f, dataset: datasetOf(f)! }));
    const unmatched = candidates.filter((f) => datasetOf(f) === undefined).map((f) => f.key);

    await clearStaging(ctx.lake, 'silver');
    // Every new file is cleaned on its own (a shard: on the workers in distributed mode), then merged.
    const runner = options.shards ?? inlineRunner(ctx);
    const cleaned = await runner.map(
      'silver.clean',
      toMerge.map((f, index) => ({
        label: `clean ${f.key}`,
        input: {
          dataset: f.dataset,
          key: f.key,
          name: f.name,
          rows: f.rows,
          ...(f.recordCount ? { recordCount: true } : {}),
          ...(f.longestRecord ? { longestRecord: f.longestRecord } : {}),
          index,
          many: toMerge.filter((o) => o.dataset === f.dataset).length > 1,
        },
      })),
      cleanShard,
    );

    const db = await ctx.db();
    const downloads = await ctx.workDir('silver-inputs');
    const uploads: { key: string; file: StagedFile }[] = [];
    const deletes: string[] = [];
    const next: SilverState = { ...state, datasets: { ...state.datasets }, waiting: { ...state.waiting } };
    const stats: Record<string, SilverDatasetStats> = {};
    const quality: QualityCheck[] = [];
    const changed = new Set<string>();
    let rowsIn = 0;

    for (const spec of project.datasets) {
      const files = toMerge.filter((f) => f.dataset === spec.name);
      const current = state.datasets[spec.name] ?? { rows: 0, orphans: 0, partitions: {} };
      const waitingForReference = spec.references.some((r) => changed.has(r.dataset)) && current.orphans > 0;
      const referenced = project.datasets.some((d) => d.references.some((r) => r.dataset === spec.name));
      if (files.length === 0 && !waitingForReference && !referenced) continue;
      const existing: { partition: string; file: string }[] = [];
      for (const [partition, keys] of Object.entries(current.partitions)) {
        for (const key of keys) existing.push({ partition, file: await ctx.lake.localPath('silver', key, downloads) });
      }
      if (files.length === 0 && !waitingForReference) {
        // Unchanged, but the datasets referencing it check their rows against it.
        const cols = Object.keys(spec.columns).map(id).join(', ');
        await db.run(`CREATE OR REPLACE TEMP VIEW ${id(`silver_${spec.name}`)} AS SELECT ${cols} FROM ${existing.length ? `read_parquet([${existing.map((e) => str(e.file)).join(', ')}], hive_partitioning = false)` : `(SELECT ${Object.keys(spec.columns).map((c) => `NULL AS ${id(c)}`).join(', ')} WHERE false)`}`);
        continue;
      }

      const s = emptyStats(spec, files);
      const incoming: { relation: string; source: string; name: string }[] = [];
      for (const c of cleaned.filter((o) => o.dataset === spec.name)) {
        const file = files.find((f) => f.key === c.key)!;
        if (c.waiting !== undefined) {
          // Bronze counted the file's lines: they are accounted for as quarantined, the file waiting whole.
          s.waitingFiles.push({ file: c.key, reason: c.waiting });
          s.rowsIn += file.rows;
          s.quarantined += file.rows;
          s.reasons['file_quarantined'] = (s.reasons['file_quarantined'] ?? 0) + file.rows;
          next.waiting![c.key] = { dataset: spec.name, reason: c.waiting, definition: digests.get(spec.name)! };
          continue;
        }
        delete next.waiting![c.key];
        const relation = c.valid && 'relation' in c.valid ? c.valid.relation : `read_parquet(${str(await stagedLocalPath(ctx.lake, c.valid!, downloads))})`;
        incoming.push({ relation, source: c.key, name: file.name });
        addCleaning(s, c.stats!);
        if (c.missingColumns) s.missingColumns[c.key] = c.missingColumns;
        quality.push(...c.quality!);
        if (c.quarantine) uploads.push({ key: fileQuarantineKey(c.key), file: c.quarantine });
      }
      // Files of this dataset still waiting from earlier runs, named when it ends empty.
      const waiting = [...s.waitingFiles.map((w) => w.reason), ...Object.entries(next.waiting!).filter(([k, w]) => w.dataset === spec.name && !s.waitingFiles.some((x) => x.file === k)).map(([, w]) => w.reason)];

      ctx.progress.begin('silver', `merge ${spec.name}`);
      const merged = await mergeDataset(db, {
        spec,
        incoming,
        existing,
        ...(current.orphans > 0 ? { orphansFile: await ctx.lake.localPath('silver', orphansKey(spec.name), downloads) } : {}),
        referenced: spec.references.map((r) => `SELECT ${id(r.key)} AS ${id(r.column)} FROM ${id(`silver_${r.dataset}`)}`),
        outDir: await ctx.workDir(`silver-merge-${spec.name}`),
        waiting,
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
      next.datasets[spec.name] = { rows: merged.counts.rows, orphans: merged.orphans.rows, partitions, written, definition: digests.get(spec.name)! };
      changed.add(spec.name);

      s.rowsOut = merged.counts.incoming - merged.counts.newOrphans;
      s.quarantined += merged.counts.newOrphans;
      const newOrphans = merged.quality.filter((q) => q.rule === 'references' && q.severity === 'error');
      if (merged.counts.newOrphans) s.reasons[`unknown_reference:${newOrphans.map((q) => q.column).join('+')}`] = merged.counts.newOrphans;
      Object.assign(s, { replaced: merged.counts.replaced, promoted: merged.counts.promoted, rows: merged.counts.rows, unresolved: merged.orphans.rows, partitionsWritten: merged.touched });
      stats[spec.name] = s;
      rowsIn += s.rowsIn;
    }
    for (const c of cleaned) await c.dispose?.();
    // Datasets no longer declared leave silver's state (their objects go with a rebuild below).
    for (const d of Object.keys(next.datasets)) if (!digests.has(d)) delete next.datasets[d];

    // A rebuild replaces every dataset: objects of the previous silver that were not rewritten go.
    if (rebuild && previous) {
      const kept = new Set([...uploads.map((u) => u.key), ...Object.values(next.datasets).flatMap((d) => Object.values(d.partitions).flat())]);
      for (const d of Object.keys(previous.datasets)) {
        for (const key of [...silverObjects(previous, d), orphansKey(d)]) if (!kept.has(key) && !deletes.includes(key)) deletes.push(key);
      }
    }

    let bytes = 0;
    for (const u of uploads) bytes += await stagedSize(ctx.lake, u.file);
    for (const u of uploads) await publishStaged(ctx.lake, u.file, 'silver', u.key);
    for (const key of deletes) if (await ctx.lake.head('silver', key)) await ctx.lake.delete('silver', key);
    // Superseded versions and files of no dataset are done with; files still waiting are not.
    for (const f of superseded) delete next.waiting![f.key];
    next.processed = [...state.processed, ...superseded.map((f) => f.key), ...candidates.map((f) => f.key).filter((k) => !next.waiting![k])];
    // Gold rebuilds when silver's run changes: a run that only set files aside changed no data.
    next.runId = uploads.length || deletes.length || !previous || rebuild ? ctx.runId : state.runId;
    next.updatedAt = new Date().toISOString();
    if (Object.keys(next.waiting!).length === 0) delete next.waiting;
    await writeJson(ctx.lake, SILVER_STATE, next);
    await clearStaging(ctx.lake, 'silver', ctx.runId);

    const sum = (f: (s: SilverDatasetStats) => number) => Object.values(stats).reduce((acc, s) => acc + f(s), 0);
    return {
      stage: 'silver' as const,
      rowsIn,
      rowsOut: sum((s) => s.rowsOut),
      quarantined: sum((s) => s.quarantined),
      bytes,
      details: {
        files: toMerge.map((f) => f.key),
        superseded: superseded.map((f) => f.key),
        ...(unmatched.length ? { unmatched } : {}),
        ...(redefined.length ? { rebuilt: `the definitions of ${redefined.join(', ')} changed: silver was rebuilt from bronze` } : {}),
        datasets: stats,
        quality: mergeChecks(quality),
      },
    };
  });
}

/** Datasets whose definition differs from the one silver was built with (or that were added or removed). */
function changedDefinitions(state: SilverState, digests: Map<string, string>): string[] {
  const built = Object.keys(state.datasets);
  const changed = [...digests].filter(([d, digest]) => state.datasets[d]?.definition !== digest).map(([d]) => d);
  return [...changed, ...built.filter((d) => !digests.has(d))];
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
    waitingFiles: [],
    missingColumns: {},
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
