import { sqlIdent as id, sqlString as str } from '../../engine/duckdb.js';
import { fileQuarantineKey, localPaths, orphansKey, silverObjectKey } from '../../lake/index.js';
import type { QualityCheck } from '../cleaning.js';
import type { RunContext } from '../context.js';
import { mergeDataset, referencedValues, silverView, type MergeInput, type MergeResult } from '../merge.js';
import type { DatasetSpec } from '../../project/types.js';
import { stagedLocalPath, type StagedFile } from '../shards.js';
import type { CleanShardOutput } from './clean-shard.js';
import type { SilverPlan } from './plan.js';
import type { SilverState } from './state.js';
import { addCleaning, emptyStats, everyLineMalformed, type SilverDatasetStats } from './stats.js';
import { datasetSelect } from './read.js';

/**
 * The combine step's result: the objects to put (each under a key of this run: no object of an earlier
 * version is ever replaced or removed) and the state that names every object of the new version.
 */
export interface SilverChanges {
  uploads: { key: string; file: StagedFile }[];
  next: SilverState;
  stats: Record<string, SilverDatasetStats>;
  quality: QualityCheck[];
  rowsIn: number;
  /** Revised datasets (plan.revised) left as they were: every new version of a file they merged waits in quarantine. */
  kept: string[];
}

/** The files to load in one pass (silver/one-pass.ts), each at its dataset's turn, by `load`. */
export interface OnePassLoads {
  keys: ReadonlySet<string>;
  load(key: string): Promise<CleanShardOutput>;
}

/**
 * Merges the cleaned files into each dataset, in the datasets' declared order (a reference is checked
 * against the rows of its dataset as merged in this run), all in scratch: nothing in the lake changes here.
 */
export async function combineSilver(ctx: RunContext, plan: SilverPlan, shardOutputs: CleanShardOutput[], onePass?: OnePassLoads): Promise<SilverChanges> {
  const cleaned = [...shardOutputs];
  const { project } = ctx.config;
  const { state, digests, toMerge } = plan;
  const db = await ctx.db();
  const downloads = await ctx.workDir('silver-inputs');
  const uploads: { key: string; file: StagedFile }[] = [];
  const next: SilverState = { ...state, datasets: { ...state.datasets }, waiting: { ...state.waiting }, quarantine: { ...state.quarantine } };
  const stats: Record<string, SilverDatasetStats> = {};
  const quality: QualityCheck[] = [];
  const changed = new Set<string>();
  let rowsIn = 0;

  const kept: string[] = [];
  const existingFiles = async (current: { partitions: Record<string, string[]> }) => {
    const inPartitions = Object.entries(current.partitions).flatMap(([partition, keys]) => keys.map((key) => ({ partition, key })));
    const paths = await localPaths(ctx.lake, 'silver', inPartitions.map((p) => p.key), downloads);
    return inPartitions.map(({ partition }, i) => ({ partition, file: paths[i]! }));
  };
  for (const spec of project.datasets) {
    let files = toMerge.filter((f) => f.dataset === spec.name);
    let current = state.datasets[spec.name] ?? { rows: 0, orphans: 0, partitions: {} };
    const waitingForReference = spec.references.some((r) => changed.has(r.dataset)) && current.orphans > 0;
    const referenced = project.datasets.some((d) => d.references.some((r) => r.dataset === spec.name));
    if (files.length === 0 && !waitingForReference && !referenced) continue;
    if (files.length === 0 && !waitingForReference) {
      // Unchanged, but the datasets referencing it check their rows against it.
      await db.run(`CREATE OR REPLACE TEMP VIEW ${silverView(spec.name)} AS ${datasetSelect(spec, (await existingFiles(current)).map((e) => e.file))}`);
      continue;
    }

    // The files loaded in one pass now that the datasets they reference are merged.
    for (const f of files) if (onePass?.keys.has(f.key)) cleaned.push(await onePass.load(f.key));
    // A revised dataset whose every new version of a merged file waits in quarantine (a column missing):
    // nothing withdraws the rows of the versions before, which stay as they were, with their quarantine.
    const revision = plan.revised.find((r) => r.dataset === spec.name);
    const before = new Set(plan.previous?.processed ?? []);
    const revising = files.filter((f) => revision?.files.includes(f.name) && !before.has(f.key));
    if (revision && plan.previous && revising.length > 0 && revising.every((f) => cleaned.find((c) => c.key === f.key)?.waiting !== undefined)) {
      kept.push(spec.name);
      current = plan.previous.datasets[spec.name] ?? current;
      // Its quarantine objects too, those of the versions kept included.
      for (const [key, q] of Object.entries(plan.previous.quarantine ?? {})) if (q.dataset === spec.name) next.quarantine![key] = q;
      files = files.filter((f) => !before.has(f.key));
    }
    const existing = await existingFiles(current);
    const s = emptyStats(spec, files);
    let loaded: MergeResult | undefined;
    const incoming: MergeInput['incoming'] = [];
    for (const c of cleaned.filter((o) => o.dataset === spec.name && files.some((f) => f.key === o.key))) {
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
      // Listed as waiting (doctor, later runs' summaries) until the definition changes, its lines in the quarantine.
      if (c.waitsWhole !== undefined) {
        s.waitingFiles.push({ file: c.key, reason: c.waitsWhole });
        next.waiting![c.key] = { dataset: spec.name, reason: c.waitsWhole, definition: digests.get(spec.name)! };
      } else delete next.waiting![c.key];
      if (c.loaded) loaded = c.loaded;
      else {
        const relation = c.valid && 'relation' in c.valid ? c.valid.relation : `read_parquet(${str(await stagedLocalPath(ctx.lake, c.valid!, downloads))})`;
        incoming.push({ relation, source: c.key, name: file.name, rows: c.rows, arrival: file.seq });
      }
      addCleaning(s, c.stats!);
      if (everyLineMalformed(c.stats!)) (s.unreadFiles ??= []).push(file.name);
      if (c.missingColumns) s.missingColumns[c.key] = c.missingColumns;
      quality.push(...c.quality!);
      if (c.quarantine) {
        const key = fileQuarantineKey(c.key, ctx.runId);
        uploads.push({ key, file: c.quarantine });
        next.quarantine![c.key] = { dataset: spec.name, key, rows: c.stats!.quarantined };
      }
    }
    // Files of this dataset still waiting from earlier runs, named when it ends empty.
    const waiting = [...s.waitingFiles.map((w) => w.reason), ...Object.entries(next.waiting!).filter(([k, w]) => w.dataset === spec.name && !s.waitingFiles.some((x) => x.file === k)).map(([, w]) => w.reason)];

    const covering = { ...(current.spans ? { spans: current.spans } : {}), overlaps: current.overlaps === true, rebuildable: !plan.unrebuildable.has(spec.name) };
    const merged = loaded ?? (await merge(ctx, spec, { incoming, existing, current, waiting, downloads, setAside: s, covering }));
    quality.push(...merged.quality);
    if (revision && !kept.includes(spec.name)) await cascade(ctx, plan, spec, downloads);

    const partitions = { ...current.partitions };
    for (const p of merged.touched) {
      const keys = merged.written.filter((w) => w.partition === p).map((w) => silverObjectKey(spec.name, p, ctx.runId, w.name));
      if (keys.length) partitions[p] = keys;
      else delete partitions[p];
    }
    for (const p of merged.appended) {
      partitions[p] = [...(partitions[p] ?? []), ...merged.written.filter((w) => w.partition === p).map((w) => silverObjectKey(spec.name, p, ctx.runId, w.name))];
    }
    for (const w of merged.written) uploads.push({ key: silverObjectKey(spec.name, w.partition, ctx.runId, w.name), file: { local: w.file } });
    let orphansObject = current.orphansObject;
    if (merged.orphans.changed) {
      orphansObject = merged.orphans.file ? orphansKey(spec.name, ctx.runId) : undefined;
      if (merged.orphans.file) uploads.push({ key: orphansObject!, file: { local: merged.orphans.file } });
    }
    // The run that last wrote each partition: gold rebuilds the partitions written since it was built.
    const written = { ...current.written };
    for (const p of Object.keys(written)) if (!partitions[p]) delete written[p];
    for (const p of [...merged.touched, ...merged.appended]) if (partitions[p]) written[p] = ctx.runId;
    const overlaps = current.overlaps === true || merged.counts.alreadyLoaded > 0 || (merged.covers?.length ?? 0) > 0;
    const spans = merged.spans ?? current.spans;
    next.datasets[spec.name] = { rows: merged.counts.rows, orphans: merged.orphans.rows, partitions, written, definition: digests.get(spec.name)!, ...(orphansObject ? { orphansObject } : {}), ...(overlaps ? { overlaps } : {}), ...(spans ? { spans } : {}) };
    changed.add(spec.name);

    s.rowsOut = merged.counts.incoming - merged.counts.newOrphans;
    s.quarantined += merged.counts.newOrphans;
    const newOrphans = merged.quality.filter((q) => q.rule === 'references' && q.severity === 'error');
    if (merged.counts.newOrphans) s.reasons[`unknown_reference:${newOrphans.map((q) => q.column).join('+')}`] = merged.counts.newOrphans;
    Object.assign(s, { replaced: merged.counts.replaced, superseded: merged.counts.superseded, alreadyLoaded: merged.counts.alreadyLoaded, promoted: merged.counts.promoted, rows: merged.counts.rows, unresolved: merged.orphans.rows, partitionsWritten: merged.touched, partitionsAppended: merged.appended });
    if (loaded) s.onePass = true;
    if (merged.covers?.length) s.covers = merged.covers;
    stats[spec.name] = s;
    rowsIn += s.rowsIn;
  }
  for (const c of cleaned) await c.dispose?.();
  // Datasets no longer declared leave silver's state (their objects stay with the versions that have them).
  for (const d of Object.keys(next.datasets)) if (!digests.has(d)) delete next.datasets[d];

  return { uploads, next, stats, quality, rowsIn, kept };
}

/**
 * Thrown when a dataset rebuilt from its latest files (plan.revised) no longer holds values that
 * datasets referencing it use: their rows would point at nothing, where a run from scratch would hold
 * them back in quarantine. The silver stage plans again with those datasets rebuilt too.
 */
export class CascadeRevision extends Error {
  constructor(readonly datasets: ReadonlyMap<string, string>) {
    super(`silver: ${[...datasets.keys()].join(', ')} must be rebuilt too`);
  }
}

/** Whether the revised dataset lost values its referencing datasets use (error or fatal references): throws CascadeRevision naming them. */
async function cascade(ctx: RunContext, plan: SilverPlan, spec: DatasetSpec, downloads: string): Promise<void> {
  const revised = new Set(plan.revised.map((r) => r.dataset));
  const referencing = ctx.config.project.datasets.flatMap((d) => (revised.has(d.name) ? [] : d.references.filter((r) => r.dataset === spec.name && r.severity !== 'warn').map((r) => ({ dataset: d.name, r }))));
  const before = Object.values(plan.previous?.datasets[spec.name]?.partitions ?? {}).flat();
  if (referencing.length === 0 || before.length === 0) return;
  const db = await ctx.db();
  const earlier = (await localPaths(ctx.lake, 'silver', before, downloads)).map((p) => str(p)).join(', ');
  const losing = new Map<string, string>();
  for (const { dataset, r } of referencing) {
    const [gone] = await db.rows(`SELECT count(*) AS n FROM (SELECT DISTINCT ${id(r.key)} FROM read_parquet([${earlier}]) WHERE ${id(r.key)} IS NOT NULL EXCEPT SELECT ${id(r.key)} FROM ${silverView(spec.name)})`);
    if (Number(gone!['n']) > 0) losing.set(dataset, spec.name);
  }
  if (losing.size) throw new CascadeRevision(losing);
}

/** A dataset's merge (merge.ts) in this run's scratch, with its earlier orphans and its references as merged in this run. */
async function merge(
  ctx: RunContext,
  spec: DatasetSpec,
  m: { incoming: MergeInput['incoming']; existing: MergeInput['existing']; current: { orphans: number; orphansObject?: string }; waiting: string[]; downloads: string; setAside?: MergeInput['setAside']; covering: MergeInput['covering'] },
): Promise<MergeResult> {
  ctx.progress.begin('silver', `merge ${spec.name}`);
  const merged = await mergeDataset(await ctx.db(), {
    spec,
    incoming: m.incoming,
    existing: m.existing,
    ...(m.current.orphans > 0 && m.current.orphansObject ? { orphansFile: await ctx.lake.localPath('silver', m.current.orphansObject, m.downloads) } : {}),
    referenced: spec.references.map(referencedValues),
    outDir: await ctx.workDir(`silver-merge-${spec.name}`),
    waiting: m.waiting,
    ...(m.setAside ? { setAside: m.setAside } : {}),
    covering: m.covering,
  });
  ctx.progress.end();
  return merged;
}
