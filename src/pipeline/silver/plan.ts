import type { Project } from '../../project/types.js';
import { datasetForFile } from '../../project/globs.js';
import type { BronzeFile, Manifest } from '../bronze.js';
import { changedDefinitions, definitionDigest, type SilverState } from './state.js';

/** What a silver run has to do, decided from bronze's manifest and silver's state alone. */
export interface SilverPlan {
  /** The state the run starts from: silver's, or an empty one for a rebuild. */
  state: SilverState;
  previous: SilverState | undefined;
  /** Every file is merged again: --full-refresh, or a dataset's definition changed. */
  rebuild: boolean;
  /** Datasets whose definition changed since silver was built. */
  redefined: string[];
  /** Each declared dataset's definition digest. */
  digests: Map<string, string>;
  /** Earlier versions of a name not merged yet: the latest is merged as if they never came. */
  superseded: BronzeFile[];
  /** The files this run takes up, in arrival order (of a dataset or of none). */
  candidates: BronzeFile[];
  /** The candidates of a dataset, to clean and merge. */
  toMerge: (BronzeFile & { dataset: string })[];
  /** Candidates whose name no dataset matches any more. */
  unmatched: string[];
  /**
   * Datasets rebuilt from their latest files: a new version came of a file they had merged (its names;
   * without a key, when rows of other files were not added as repeating theirs), or (`because`) a
   * dataset they reference was so rebuilt without some of the keys they use.
   */
  /** `late`: files whose name came before files the dataset merged (their first version waited), not new versions; `covering`: a new file covers an earlier one, judged on all their rows (covering.ts). */
  revised: { dataset: string; files: string[]; because?: string; late?: string[]; covering?: string }[];
  /** Datasets not to rebuild from their latest files: some of their bronze files were vacuumed. */
  unrebuildable: ReadonlySet<string>;
}

export interface Revisions {
  /** Datasets rebuilt as well, each because of the rebuilt dataset it references (combine found keys it uses gone). */
  cascade?: ReadonlyMap<string, string>;
  /** Datasets rebuilt as well, each because a new file may cover an earlier one (covering.ts), with the reason. */
  covering?: ReadonlyMap<string, string>;
  /** Datasets not rebuilt, revised or not (some of their bronze files were vacuumed). */
  keep?: ReadonlySet<string>;
}

export function planSilver(project: Project, manifest: Manifest, previous: SilverState | undefined, fullRefresh: boolean, options: Revisions = {}): SilverPlan {
  const digests = new Map(project.datasets.map((d) => [d.name, definitionDigest(d)]));
  const redefined = previous && !fullRefresh ? changedDefinitions(previous, digests) : [];
  const rebuild = fullRefresh || redefined.length > 0;
  let state: SilverState = rebuild || !previous ? { format: 1, runId: '', updatedAt: '', processed: [], datasets: {} } : previous;
  const datasetOf = (f: BronzeFile) => datasetForFile(project, f.name)?.name;
  // A new version of a file a keyed dataset merged: its rows replaced others in place, key by key, and
  // nothing tells a row the new version withdrew from one another file still holds. The dataset is
  // rebuilt from its latest files, as --full-refresh would, so that history does not change the result.
  const waiting = (f: BronzeFile) => state.waiting?.[f.key] !== undefined && state.waiting[f.key]!.definition === digests.get(datasetOf(f) ?? '');
  // Where a file's name first came among the files: a new version takes that place (see candidates).
  const firstSeq = new Map<string, number>();
  for (const f of manifest.files) firstSeq.set(f.name, Math.min(firstSeq.get(f.name) ?? f.seq, f.seq));
  const place = (f: BronzeFile) => firstSeq.get(f.name) ?? f.seq;
  const asked = [...[...(options.cascade ?? [])].map(([dataset, because]) => ({ dataset, files: [], because })), ...[...(options.covering ?? [])].map(([dataset, covering]) => ({ dataset, files: [], covering }))];
  const revised = (rebuild ? [] : [...revisions(project, manifest, state, datasetOf, waiting, place), ...asked]).filter(
    (r, i, all) => !options.keep?.has(r.dataset) && all.findIndex((x) => x.dataset === r.dataset) === i,
  );
  if (revised.length) {
    const names = new Set(revised.map((r) => r.dataset));
    const theirs = new Set(manifest.files.filter((f) => names.has(datasetOf(f) ?? '')).map((f) => f.key));
    const datasets = Object.fromEntries(Object.entries(state.datasets).filter(([d]) => !names.has(d)));
    const quarantine = state.quarantine && Object.fromEntries(Object.entries(state.quarantine).filter(([, q]) => !names.has(q.dataset)));
    state = { ...state, processed: state.processed.filter((k) => !theirs.has(k)), datasets, ...(quarantine ? { quarantine } : {}) };
  }
  const done = new Set(state.processed);
  const unprocessed = manifest.files.filter((f) => !done.has(f.key)).sort((a, b) => a.seq - b.seq);
  const latest = new Map<string, BronzeFile>();
  for (const f of unprocessed) if ((latest.get(f.name)?.version ?? 0) < f.version) latest.set(f.name, f);
  const superseded = unprocessed.filter((f) => latest.get(f.name) !== f);
  // A file waiting in quarantine is tried again only when its dataset's definition changes. A new
  // version of a file takes its place among the files (where its first version came), not the last:
  // a corrected January re-sent after February must not undo February's updates of the same keys,
  // which one run over the final files would keep.
  const candidates = [...latest.values()].filter((f) => !waiting(f)).sort((a, b) => place(a) - place(b) || a.seq - b.seq);
  const toMerge = candidates.filter((f) => datasetOf(f) !== undefined).map((f) => ({ ...f, dataset: datasetOf(f)! }));
  const unmatched = candidates.filter((f) => datasetOf(f) === undefined).map((f) => f.key);
  return { state, previous, rebuild, redefined, digests, superseded, candidates, toMerge, unmatched, revised, unrebuildable: options.keep ?? new Set() };
}

/**
 * The datasets that receive a new version of a file they merged (not one waiting in quarantine): keyed
 * ones, and those without a key that left out rows repeating another file's, or withdrew a file a later
 * one covered (`overlaps`). Keyed ones
 * also for a file whose name came before files they merged (its first version waited): merged last, its
 * rows would replace those of later files, where one run over the final files puts them first. With those files' names.
 */
function revisions(project: Project, manifest: Manifest, state: SilverState, datasetOf: (f: BronzeFile) => string | undefined, waiting: (f: BronzeFile) => boolean, place: (f: BronzeFile) => number): SilverPlan['revised'] {
  const done = new Set(state.processed);
  const merged = new Set(manifest.files.filter((f) => done.has(f.key)).map((f) => f.name));
  // The latest place among each dataset's merged files.
  const lastMerged = new Map<string, number>();
  for (const f of manifest.files.filter((x) => done.has(x.key))) {
    const dataset = datasetOf(f);
    if (dataset) lastMerged.set(dataset, Math.max(lastMerged.get(dataset) ?? 0, place(f)));
  }
  const revised = new Map<string, Set<string>>();
  const lateFiles = new Map<string, Set<string>>();
  for (const f of manifest.files) {
    const dataset = datasetOf(f);
    const late = dataset !== undefined && place(f) < (lastMerged.get(dataset) ?? 0);
    // Without a key, a new version replaces its earlier version's rows in place, unless rows of other
    // files were not added for repeating them (already-loaded.ts), or withdrawn as it covered their
    // file (covering.ts), which the new version may not: only a rebuild brings those back.
    const keyed = (project.datasets.find((d) => d.name === dataset)?.key.length ?? 0) > 0;
    const revise = keyed ? merged.has(f.name) || late : merged.has(f.name) && state.datasets[dataset ?? '']?.overlaps === true;
    if (done.has(f.key) || waiting(f) || !revise || !dataset) continue;
    revised.set(dataset, (revised.get(dataset) ?? new Set()).add(f.name));
    if (!merged.has(f.name)) lateFiles.set(dataset, (lateFiles.get(dataset) ?? new Set()).add(f.name));
  }
  return [...revised].map(([dataset, files]) => ({ dataset, files: [...files], ...(lateFiles.has(dataset) ? { late: [...lateFiles.get(dataset)!] } : {}) }));
}
