import { UserError } from '../errors.js';
import { readJson, writeJson } from './json.js';
import type { LakeObject } from './keys.js';
import type { Bucket, ObjectStore } from './storage.js';
import { DATALAKE } from '../command-name.js';

/**
 * The lake's versions: a commit log in `runs/_log/`, one small JSON record per version, created with a
 * write that fails if the key exists (If-None-Match on S3, an exclusive create on a folder). A record
 * names the state documents of its version (bronze's manifest, silver's and gold's states) and every
 * object of every table: readers resolve tables through the current version only, so objects written
 * by a run that has not committed (or crashed) are never seen, and any version can be read again.
 *
 *   runs/_log/0000000001.json       version 1, then 2, 3... (history is never rewritten)
 *   runs/_staged/<run id>.json      a run whose audit failed: its version, not committed
 */
export const LOG_PREFIX = '_log/';
export const STAGED_PREFIX = '_staged/';
export const versionRecordKey = (version: number): LakeObject => ({ bucket: 'runs', key: `${LOG_PREFIX}${String(version).padStart(10, '0')}.json` });
export const stagedRecordKey = (runId: string): LakeObject => ({ bucket: 'runs', key: `${STAGED_PREFIX}${runId}.json` });

/** A state document of a version, kept under a key of the run that wrote it: `silver/_state/<run>.json`. */
export const stateKey = (bucket: 'bronze' | 'silver' | 'gold', runId: string): LakeObject => ({ bucket, key: `_state/${runId}.json` });

export type AuditStatus = 'passed' | 'approved';

export interface TableVersion {
  bucket: Bucket;
  objects: string[];
  rows: number;
}

export interface AuditCheck {
  table: string;
  check: string;
  passed: boolean;
  detail: string;
}

export interface LakeVersion {
  format: 1;
  version: number;
  /** The run that committed it. */
  runId: string;
  committedAt: string;
  /** The version it was built on (none for the first). */
  parent: number | null;
  audit: AuditStatus;
  /** The audit checks this version passed (`fact_achats:unique(id_achat)`): the next version trusts them for the objects it keeps. */
  checks?: string[];
  /** Who approved a version whose audit failed (`datalake publish --approve`), and when. */
  approved?: { by: string; at: string; failed: AuditCheck[] };
  /** A rollback: the version whose content this one restores. */
  restores?: number;
  /** Keys of the state documents of this version. */
  states: Partial<Record<'bronze' | 'silver' | 'gold', LakeObject>>;
  /** Every table of the version: `silver/achats`, `silver/quarantine`, `gold/fact_achats`, `gold/kpi_ca_par_pays`. */
  tables: Record<string, TableVersion>;
}

/** The committed versions, oldest first (numbers only: reading each record is left to the caller). */
export async function listVersions(lake: ObjectStore): Promise<number[]> {
  const keys = await lake.list('runs', LOG_PREFIX);
  return keys
    .map((o) => /^_log\/(\d{10})\.json$/.exec(o.key)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

export async function readVersion(lake: ObjectStore, version: number): Promise<LakeVersion | undefined> {
  return readJson<LakeVersion>(lake, versionRecordKey(version));
}

/** A version that is not (or no longer) in the log: says which are. */
export class UnknownVersionError extends UserError {
  constructor(
    readonly version: number,
    readonly kept: number[],
  ) {
    // The versions kept, said once (vacuum keeps the newest: they follow each other).
    const which = kept.length === 1 ? `the only version kept is ${kept[0]}` : `the versions kept are ${kept[0]} to ${kept.at(-1)}`;
    super(
      kept.length === 0 ? `no version ${version}: the lake has no version yet` : `no version ${version} of the lake: ${which}`,
      kept.length === 0 ? `run the pipeline (\`${DATALAKE} run\`) to commit version 1` : `\`${DATALAKE} history\` lists them`,
    );
  }
}

/** A committed version by number, or UnknownVersionError. */
export async function requireVersion(lake: ObjectStore, version: number): Promise<LakeVersion> {
  const record = Number.isInteger(version) && version > 0 ? await readVersion(lake, version) : undefined;
  if (!record) throw new UnknownVersionError(version, await listVersions(lake));
  return record;
}

/** The current version: the newest record of the log; undefined on a lake never committed to. */
export async function currentVersion(lake: ObjectStore): Promise<LakeVersion | undefined> {
  const versions = await listVersions(lake);
  const newest = versions.at(-1);
  if (newest === undefined) return undefined;
  const record = await readVersion(lake, newest);
  if (!record) throw new UserError(`version ${newest} vanished from ${lake.description} while being read`, 'retry');
  return record;
}

/**
 * Commits a version: one exclusive create of its record. Fails, committing nothing, when another
 * writer committed that number first (the lake moved on while this run ran).
 */
export async function commitVersion(lake: ObjectStore, record: LakeVersion): Promise<void> {
  const at = versionRecordKey(record.version);
  if (!(await lake.create(at.bucket, at.key, JSON.stringify(record, null, 2)))) {
    // A create whose answer was lost and retried finds its own record: it is committed.
    if ((await readVersion(lake, record.version))?.runId === record.runId) return;
    throw new UserError(
      `version ${record.version} was committed by another run while run ${record.runId} ran: nothing of this run was committed`,
      'run again: the next run builds on the new version',
    );
  }
}

export function writeStaged(lake: ObjectStore, record: LakeVersion & { failed: AuditCheck[] }): Promise<void> {
  return writeJson(lake, stagedRecordKey(record.runId), record);
}

export function readStaged(lake: ObjectStore, runId: string): Promise<(LakeVersion & { failed: AuditCheck[] }) | undefined> {
  return readJson(lake, stagedRecordKey(runId));
}
