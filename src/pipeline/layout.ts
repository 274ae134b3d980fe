import type { DatasetSpec } from '../datasets/index.js';
import { sqlIdent as id } from '../engine/duckdb.js';

/**
 * Where each layer keeps its objects. One module so that the stages, the tests and the docs agree.
 *
 *   bronze/_manifest.json                                         every file received, in arrival order
 *   bronze/<dataset>/ingest_date=<YYYY-MM-DD>/<file>.csv          first version of a file name
 *   bronze/<dataset>/ingest_date=<YYYY-MM-DD>/<file>.v<N>.csv     later versions (same name, new content)
 *   silver/_state.json                                            bronze files merged so far, silver objects
 *   silver/<dataset>/[month=<YYYY-MM>/]data_<i>.parquet           typed rows, one row per key
 *   silver/quarantine/<bronze key without .csv>.parquet           rejected rows of one bronze file
 *   silver/quarantine/<dataset>/unknown_reference.parquet         rows whose reference is still missing
 *   gold/_state.json                                              which silver and definitions gold was built from
 */
export const BRONZE_MANIFEST = '_manifest.json';
export const SILVER_STATE = '_state.json';
export const GOLD_STATE = '_state.json';

export function bronzeKey(dataset: string, ingestDate: string, fileName: string, version: number): string {
  const versioned = version === 1 ? fileName : fileName.replace(/(\.csv)?$/i, `.v${version}$1`);
  return `${dataset}/ingest_date=${ingestDate}/${versioned}`;
}

export const fileQuarantineKey = (bronzeKey: string) => `quarantine/${bronzeKey.replace(/\.csv$/i, '')}.parquet`;
export const orphansKey = (dataset: string) => `quarantine/${dataset}/unknown_reference.parquet`;

/**
 * How a dataset's silver rows are split: the Hive-style folder column (`month`) and its value as SQL
 * over a row. Undefined when the dataset is one folder.
 */
export function partitioning(spec: DatasetSpec): { column: string; value: string } | undefined {
  if (!spec.partitionBy) return undefined;
  return { column: spec.partitionBy.grain, value: `strftime(${id(spec.partitionBy.column)}, '%Y-%m')` };
}

/** The folder name of a row's partition (`month=2026-11`, or '' when unpartitioned), as SQL over the row. */
export function partitionFolderSql(spec: DatasetSpec): string {
  const p = partitioning(spec);
  return p ? `'${p.column}=' || ${p.value}` : `''`;
}

export function silverObjectKey(dataset: string, partition: string, file: string): string {
  return partition ? `${dataset}/${partition}/${file}` : `${dataset}/${file}`;
}
