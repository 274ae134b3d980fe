import { createHash } from 'node:crypto';
import type { DatasetSpec } from '../../project/types.js';
import type { FileSpan } from '../covering.js';

/** What silver holds, written last by each silver run that changes something. */
export interface SilverState {
  format: 1;
  /** The run that last changed silver: gold compares it with the one it was built from. */
  runId: string;
  updatedAt: string;
  /** Bronze keys merged (or superseded by a later version of the same name before being merged). */
  processed: string[];
  /**
   * Per dataset; `overlaps`: rows of a file were not added, another file giving them already
   * (already-loaded.ts), or were withdrawn, a later file covering it (covering.ts), so a new version
   * of a file it merged rebuilds it (plan.ts). `spans`: without a key, dated, each file's dates and rows (covering.ts).
   */
  datasets: Record<string, { rows: number; orphans: number; partitions: Record<string, string[]>; written?: Record<string, string>; definition?: string; orphansObject?: string; overlaps?: true; spans?: Record<string, FileSpan> }>;
  /** Per bronze file that had rejected rows: its quarantine object. */
  quarantine?: Record<string, { dataset: string; key: string; rows: number }>;
  /**
   * Bronze files that cannot be read as their dataset (a required column missing): each waits, with
   * its reason, until a new version of it arrives or the dataset's definition changes.
   */
  waiting?: Record<string, { dataset: string; reason: string; definition: string }>;
}

/** The silver objects of a dataset, all partitions. */
export function silverObjects(state: SilverState | undefined, dataset: string): string[] {
  return Object.values(state?.datasets[dataset]?.partitions ?? {}).flat();
}

/** A digest of a dataset's definition: silver is rebuilt from bronze when one changes. Its freshness SLA says nothing about rows. */
export function definitionDigest(spec: DatasetSpec): string {
  const { freshness: _sla, ...rows } = spec;
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex').slice(0, 16);
}

/** Datasets whose definition differs from the one silver was built with (or that were added or removed). */
export function changedDefinitions(state: SilverState, digests: Map<string, string>): string[] {
  const built = Object.keys(state.datasets);
  const changed = [...digests].filter(([d, digest]) => state.datasets[d]?.definition !== digest).map(([d]) => d);
  return [...changed, ...built.filter((d) => !digests.has(d))];
}

