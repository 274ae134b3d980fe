import type { DatasetSpec } from '../project/types.js';
import { sqlIdent as id } from '../engine/duckdb.js';

/**
 * How a dataset's silver rows are split into Hive-style folders (`month=2026-11`). A row's partition is
 * computed in SQL as an integer code (yyyymm: cheap on millions of rows) and named in JS. The keys of
 * every layer are in lake/keys.ts.
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
