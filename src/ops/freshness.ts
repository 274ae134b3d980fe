import { currentVersion, type ObjectStore } from '../lake/index.js';
import type { Manifest } from '../pipeline/bronze.js';
import { readManifest } from '../pipeline/states.js';
import { formatDuration } from '../duration.js';
import type { DatasetSpec, Project } from '../project/types.js';

/**
 * Freshness SLAs: how old each dataset's newest bronze file is (the time it was ingested, in the
 * current version's manifest) against the `freshness` its definition declares. Computed here only;
 * `doctor`, `/ready`, `GET /api/freshness`, the dashboard and the alerts all ask this module.
 *
 *   ok       newer than warn_after (and error_after)
 *   warn     older than warn_after: stale
 *   error    older than error_after: late
 *   unknown  an SLA, but no file received yet
 *   no_sla   the dataset declares none (its age is still given)
 */
export type FreshnessState = 'ok' | 'warn' | 'error' | 'unknown' | 'no_sla';

export interface DatasetFreshness {
  dataset: string;
  state: FreshnessState;
  /** Seconds since its newest file was ingested; null before any file. */
  ageSeconds: number | null;
  /** When its newest file was ingested (ISO), and its name. */
  lastIngestedAt: string | null;
  lastFile: string | null;
  /** The SLA, in seconds (absent: not declared). */
  warnAfter?: number;
  errorAfter?: number;
}

export interface FreshnessReport {
  checkedAt: string;
  /** The lake version whose bronze the ages are read from (null: none committed; absent: not read from a lake). */
  version?: number | null;
  /** The worst state among the datasets with an SLA: error, then warn, else ok. */
  state: 'ok' | 'warn' | 'error';
  datasets: DatasetFreshness[];
}

/** The newest file of each dataset in a manifest: its name and ingestion time. */
export function newestFiles(manifest: Manifest): Map<string, { name: string; ingestedAt: string }> {
  const newest = new Map<string, { name: string; ingestedAt: string }>();
  for (const f of manifest.files) {
    const seen = newest.get(f.dataset);
    if (!seen || Date.parse(f.ingestedAt) >= Date.parse(seen.ingestedAt)) newest.set(f.dataset, { name: f.name, ingestedAt: f.ingestedAt });
  }
  return newest;
}

/** One dataset's state at `now`, from its newest file (undefined: none yet). */
export function datasetFreshness(spec: DatasetSpec, newest: { name: string; ingestedAt: string } | undefined, now: Date): DatasetFreshness {
  const sla = spec.freshness;
  const ageMs = newest ? Math.max(0, now.getTime() - Date.parse(newest.ingestedAt)) : null;
  const ageSeconds = ageMs === null ? null : Math.floor(ageMs / 1000);
  // Older than the limit: exactly warn_after old is still ok.
  let state: FreshnessState;
  if (!sla) state = 'no_sla';
  else if (ageMs === null) state = 'unknown';
  else if (sla.errorAfter !== undefined && ageMs > sla.errorAfter * 1000) state = 'error';
  else if (sla.warnAfter !== undefined && ageMs > sla.warnAfter * 1000) state = 'warn';
  else state = 'ok';
  return {
    dataset: spec.name,
    state,
    ageSeconds,
    lastIngestedAt: newest?.ingestedAt ?? null,
    lastFile: newest?.name ?? null,
    ...(sla?.warnAfter !== undefined ? { warnAfter: sla.warnAfter } : {}),
    ...(sla?.errorAfter !== undefined ? { errorAfter: sla.errorAfter } : {}),
  };
}

/** Every dataset of the project, in its order, at `now`. */
export function freshnessReport(project: Project, newest: Map<string, { name: string; ingestedAt: string }>, now: Date): FreshnessReport {
  const datasets = project.datasets.map((d) => datasetFreshness(d, newest.get(d.name), now));
  const worst = datasets.some((d) => d.state === 'error') ? 'error' : datasets.some((d) => d.state === 'warn') ? 'warn' : 'ok';
  return { checkedAt: now.toISOString(), state: worst, datasets };
}

/**
 * The newest files of the current version, per lake: the manifest is read again only when the version
 * names another one (a server answering /ready every few seconds does not parse it each time).
 */
const cache = new WeakMap<ObjectStore, { key: string; newest: Map<string, { name: string; ingestedAt: string }> }>();

/** The freshness of every dataset in the lake's current version, at `now`. */
export async function readFreshness(lake: ObjectStore, project: Project, now = new Date()): Promise<FreshnessReport> {
  const version = await currentVersion(lake);
  const key = version?.states.bronze?.key;
  let newest = key ? cache.get(lake) : undefined;
  if (!newest || newest.key !== key) {
    newest = { key: key ?? '', newest: newestFiles(await readManifest(lake, project, version)) };
    // (A lake from before versions keeps its manifest under one key: not cached.)
    if (key) cache.set(lake, newest);
  }
  return { ...freshnessReport(project, newest.newest, now), version: version?.version ?? null };
}

/** An age as people say it, next to SLAs written in hours: `45s`, `12m`, `26h10m` (under two days), `3d2h`. */
export function age(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  return `${Math.floor(h / 24)}d${h % 24 ? `${h % 24}h` : ''}`;
}

/** One line about a dataset: `achats: warn, last file 27h ago (warn after 26h, error after 50h)`. */
export function describeFreshness(d: DatasetFreshness): string {
  const sla = [d.warnAfter !== undefined ? `warn after ${formatDuration(d.warnAfter)}` : '', d.errorAfter !== undefined ? `error after ${formatDuration(d.errorAfter)}` : ''].filter(Boolean).join(', ');
  const seen = d.ageSeconds === null ? 'no file received yet' : `last file ${age(d.ageSeconds)} ago`;
  return `${d.dataset}: ${d.state === 'no_sla' ? 'no SLA' : d.state}, ${seen}${sla ? ` (${sla})` : ''}`;
}

/** Why a stale dataset degrades the service, for /ready: one line per dataset in warn or error. */
export function staleReasons(report: FreshnessReport): string[] {
  return report.datasets.filter((d) => d.state === 'warn' || d.state === 'error').map((d) => `dataset ${describeFreshness(d)}`);
}
