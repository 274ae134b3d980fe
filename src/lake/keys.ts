import type { Bucket } from './storage.js';

/**
 * Where everything lives in the lake: every key the pipeline, the flows and the API read or write is
 * named here, so that the stages, the tests and the docs agree.
 *
 *   bronze/_manifest.json                                         every file received, in arrival order
 *   bronze/<dataset>/ingest_date=<YYYY-MM-DD>/<file>.csv          first version of a file name
 *   bronze/<dataset>/ingest_date=<YYYY-MM-DD>/<file>.v<N>.csv     later versions (same name, new content)
 *   silver/_state.json                                            bronze files merged so far, silver objects
 *   silver/<dataset>/[month=<YYYY-MM>/]data_<i>.parquet           typed rows, one row per key
 *   silver/quarantine/<bronze key without .csv>.parquet           rejected rows of one bronze file
 *   silver/quarantine/<dataset>/unknown_reference.parquet         rows whose reference is still missing
 *   gold/_state.json                                              which silver and definitions gold was built from
 *   <silver|gold>/_staging/<run>/<attempt>/<shard kind>/<i>/      a run's shard outputs, before its combine step
 *   runs/<run id>.json                                            one run's record
 *   runs/_lock.json                                               the lake lock of the run writing the lake
 *   runs/_schedules.json                                          the schedules added with `datalake schedule`
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

export const runRecord = (runId: string): LakeObject => ({ bucket: 'runs', key: `${runId}.json` });
/** Keys of the runs bucket that hold run records (not the lock, not the schedules). */
export const isRunRecordKey = (key: string) => key.endsWith('.json') && !key.startsWith('_');

export function bronzeKey(dataset: string, ingestDate: string, fileName: string, version: number): string {
  const versioned = version === 1 ? fileName : fileName.replace(/(\.csv)?$/i, `.v${version}$1`);
  return `${dataset}/ingest_date=${ingestDate}/${versioned}`;
}

export const fileQuarantineKey = (bronzeKey: string) => `quarantine/${bronzeKey.replace(/\.csv$/i, '')}.parquet`;
export const orphansKey = (dataset: string) => `quarantine/${dataset}/unknown_reference.parquet`;

export function silverObjectKey(dataset: string, partition: string, file: string): string {
  return partition ? `${dataset}/${partition}/${file}` : `${dataset}/${file}`;
}

/**
 * Where a run's shards stage their outputs, inside the bucket of the task (`silver/_staging/<run>/…`):
 * invisible to readers of the layer, copied to their final keys by the combine step, deleted after it.
 */
export const STAGING = '_staging/';
export const stagingPrefix = (runId: string, attempt: number, kind: string, index: number) => `${STAGING}${runId}/${attempt}/${kind}/${index}/`;
