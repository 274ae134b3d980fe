import type { DatasetSpec } from '../project/types.js';
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
 * How a dataset's silver rows are split into Hive-style folders (`month=2026-11`). A row's partition is
 * computed in SQL as an integer code (yyyymm: cheap on millions of rows) and named in JS.
 */
export interface Partitioning {
  /** SQL over a row giving its partition code. */
  code: string;
  /** The folder of a code: `month=2026-11`, or '' when the dataset is one folder. */
  folder(code: number): string;
}

export function partitioning(spec: DatasetSpec): Partitioning {
  const by = spec.partitionBy;
  if (!by) return { code: '0', folder: () => '' };
  const c = id(by.column);
  const two = (n: number) => String(n).padStart(2, '0');
  switch (by.grain) {
    case 'year':
      return { code: `year(${c})`, folder: (code) => `year=${code}` };
    case 'month':
      return { code: `(year(${c}) * 100 + month(${c}))`, folder: (code) => `month=${Math.floor(code / 100)}-${two(code % 100)}` };
    case 'day':
      return { code: `(year(${c}) * 10000 + month(${c}) * 100 + day(${c}))`, folder: (code) => `day=${Math.floor(code / 10000)}-${two(Math.floor(code / 100) % 100)}-${two(code % 100)}` };
  }
}

export function silverObjectKey(dataset: string, partition: string, file: string): string {
  return partition ? `${dataset}/${partition}/${file}` : `${dataset}/${file}`;
}
