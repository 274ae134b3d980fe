import type { Bucket } from './storage.js';

/**
 * Where everything lives in the lake: every key the pipeline, the flows and the API read or write is
 * named here, so that the stages, the tests and the docs agree (docs/pipeline.md, "The lake's keys", says
 * them to users: a change here is a change there).
 *
 *   runs/_log/<version>.json                                      the versions: each names the states and objects below
 *   runs/_staged/<run>.json                                       the version of a run whose audit failed, until approved
 *   bronze/_state/<run>.json, silver/_state/<run>.json, gold/_state/<run>.json   a version's states
 *   (bronze/_manifest.json, silver/_state.json, gold/_state.json: the states of a lake from before versions)
 *   bronze: every file received, in arrival order
 *   bronze/<dataset>/ingest_date=<YYYY-MM-DD>/<file>.csv          first version of a file name (or .tsv, .txt, .dat, .data)
 *   bronze/<dataset>/ingest_date=<YYYY-MM-DD>/<file>.v<N>.csv     later versions (same name, new content)
 *   bronze/<dataset>/ingest_date=<YYYY-MM-DD>/<run>/<file>...     when that key is taken already (objects are never replaced):
 *                                                                 after a rollback, or a run that did not commit, the same day
 *   silver state: bronze files merged so far, silver objects
 *   silver/<dataset>/[month=<YYYY-MM>/]<run>-data_<i>.parquet     typed rows, one row per key
 *   silver/quarantine/<bronze key without its extension>/<run>.parquet   rejected rows of one bronze file
 *   silver/quarantine/<dataset>/unknown_reference/<run>.parquet   rows whose reference is still missing
 *   gold state: which silver and definitions gold was built from, gold objects
 *   gold/<table>/<run>.parquet, gold/<table>/<partition>/<run>.parquet   a model's or KPI's rows
 *   <silver|gold>/_staging/<run>/<attempt>/<shard kind>/<i>/      a run's shard outputs, before its combine step (kept
 *                                                                 when the run fails: a resume reuses them)
 *   runs/<run id>.json                                            one run's record
 *   runs/_resume/<run>/run.json                                   what a resume of the run needs: the version it builds
 *                                                                 on, digests of its inputs, the tasks it finished
 *   runs/_resume/<run>/shards/<n>.json                            outputs of shards it finished (their staged files)
 *   (with <layer>/_state/<run>.json, written when a task finishes; all removed when the run completes)
 *   runs/_lock.json                                               the lake lock of the run writing the lake
 *   runs/_schedules.json                                          the schedules added with `datalake schedule`
 *   runs/_freshness.json                                          each dataset's freshness state last alerted on
 *   runs/_alerts/<time>-<event>-<id>.json                         one alert delivery (webhook), written once
 */
export interface LakeObject {
  readonly bucket: Bucket;
  readonly key: string;
}

export const BRONZE_MANIFEST: LakeObject = { bucket: 'bronze', key: '_manifest.json' };
export const SILVER_STATE: LakeObject = { bucket: 'silver', key: '_state.json' };
export const GOLD_STATE: LakeObject = { bucket: 'gold', key: '_state.json' };
export const LAKE_LOCK: LakeObject = { bucket: 'runs', key: '_lock.json' };
export const SCHEDULES: LakeObject = { bucket: 'runs', key: '_schedules.json' };
export const FRESHNESS_STATE: LakeObject = { bucket: 'runs', key: '_freshness.json' };
/** The alerts log: one small object per delivery (an object is never appended to), oldest key first. */
export const ALERTS_PREFIX = '_alerts/';
export const alertLogKey = (at: Date, event: string, id: string): LakeObject => ({ bucket: 'runs', key: `${ALERTS_PREFIX}${at.toISOString().replace(/[-:]/g, '')}-${event}-${id}.json` });

export const runRecord = (runId: string): LakeObject => ({ bucket: 'runs', key: `${runId}.json` });
/** Keys of the runs bucket that hold run records (not the lock, not the schedules). */
export const isRunRecordKey = (key: string) => key.endsWith('.json') && !key.startsWith('_');

/**
 * The source files bronze reads: delimited text (each dataset says its delimiter; GTFS and many agencies
 * write .txt, UCI's repository .data, older exports .dat), not hidden.
 */
export const SOURCE_EXTENSIONS = ['csv', 'tsv', 'txt', 'dat', 'data'] as const;
/** A name ending with one of them (the extension in group 1). */
export const SOURCE_EXTENSION = new RegExp(`\\.(${SOURCE_EXTENSIONS.join('|')})$`, 'i');
export const SOURCE_EXTENSIONS_SAID = '.csv, .tsv, .txt, .dat and .data';
export const isSourceFileName = (name: string) => SOURCE_EXTENSION.test(name) && !name.startsWith('.') && !name.includes('/');

export function bronzeKey(dataset: string, ingestDate: string, fileName: string, version: number, runId?: string): string {
  const versioned = version === 1 ? fileName : fileName.replace(new RegExp(`(${SOURCE_EXTENSION.source.replace('$', '')})?$`, 'i'), `.v${version}$1`);
  return `${dataset}/ingest_date=${ingestDate}/${runId ? `${runId}/` : ''}${versioned}`;
}

/*
 * Objects of silver and gold are written under keys of the run that wrote them and never replaced: a
 * version names its objects (lake/versions.ts), and an object stays what every version naming it saw.
 */
export const fileQuarantineKey = (bronzeKey: string, runId: string) => `quarantine/${bronzeKey.replace(SOURCE_EXTENSION, '')}/${runId}.parquet`;
export const orphansKey = (dataset: string, runId: string) => `quarantine/${dataset}/unknown_reference/${runId}.parquet`;

export function silverObjectKey(dataset: string, partition: string, runId: string, file: string): string {
  return `${dataset}/${partition ? `${partition}/` : ''}${runId}-${file}`;
}

export const goldObjectKey = (table: string, runId: string) => `${table}/${runId}.parquet`;
/** A partitioned table's object for one partition of its dataset: `fact_achats/month=2026-11/<run>.parquet`. */
export const goldPartitionObjectKey = (table: string, partition: string, runId: string) => `${table}/${partition || 'all'}/${runId}.parquet`;

/**
 * Where a run's shards stage their outputs, inside the bucket of the task (`silver/_staging/<run>/…`):
 * invisible to readers of the layer, copied to their final keys by the combine step, deleted after it.
 */
export const STAGING = '_staging/';
export const runStaging = (runId: string) => `${STAGING}${runId}/`;
export const stagingPrefix = (runId: string, attempt: number, kind: string, index: number) => `${STAGING}${runId}/${attempt}/${kind}/${index}/`;

/**
 * A run's resume state (`datalake run --resume <run>`), every key under `runs/_resume/<run>/`: kept while
 * the run is failed or cancelled (until it is resumed to completion, or vacuumed), removed when it completes.
 */
export const RESUME_PREFIX = '_resume/';
export const resumePrefix = (runId: string) => `${RESUME_PREFIX}${runId}/`;
export const resumePoint = (runId: string): LakeObject => ({ bucket: 'runs', key: `${resumePrefix(runId)}run.json` });
export const resumeShardsPrefix = (runId: string) => `${resumePrefix(runId)}shards/`;
export const resumeShards = (runId: string, name: string): LakeObject => ({ bucket: 'runs', key: `${resumeShardsPrefix(runId)}${name}.json` });
