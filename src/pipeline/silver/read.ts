import { parquetFiles, sqlIdent as id } from '../../engine/duckdb.js';
import type { DatasetSpec } from '../../project/types.js';
import { sqlType } from '../row-rules.js';

/** The declared columns of a dataset over its silver files; no file gives the empty typed table. */
export function datasetSelect(spec: DatasetSpec, files: string[]): string {
  const names = Object.keys(spec.columns);
  if (files.length === 0) return `SELECT ${names.map((c) => `NULL::${sqlType(spec.columns[c]!)} AS ${id(c)}`).join(', ')} WHERE false`;
  return `SELECT ${names.map(id).join(', ')} FROM ${parquetFiles(files)}`;
}

