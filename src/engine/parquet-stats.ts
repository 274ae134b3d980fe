import { sqlString, type Engine } from './duckdb.js';

export interface ColumnStats {
  /** Non-null values, and nulls. */
  values: number;
  nulls: number;
  /** An integer column's bounds, as text (a BIGINT past 2^53 would not survive a JavaScript number); absent when every value is null. */
  min?: string;
  max?: string;
}

/**
 * A column's counts (and, for an integer column, its bounds) from the statistics in the Parquet files'
 * footers rather than a read of the column: a lake of 50M purchases, 0.01–0.02 s against 0.16 s. Undefined
 * when a row group lacks them (another writer may leave them out): the caller reads the column.
 */
export async function footerStats(engine: Engine, files: readonly string[], column: string, integerBounds: boolean): Promise<ColumnStats | undefined> {
  if (files.length === 0) return undefined;
  // Integer bounds only from integers stored as such: text bounds compare as text ('10' < '9').
  const missingBounds = integerBounds ? " OR type NOT IN ('INT32', 'INT64') OR (num_values > stats_null_count AND (stats_min_value IS NULL OR stats_max_value IS NULL))" : '';
  const [stats] = await engine.rows(`
    SELECT sum(num_values - stats_null_count) AS n, sum(stats_null_count) AS nulls,
           ${integerBounds ? 'CAST(min(TRY_CAST(stats_min_value AS HUGEINT)) AS VARCHAR) AS lo, CAST(max(TRY_CAST(stats_max_value AS HUGEINT)) AS VARCHAR) AS hi,' : ''}
           count(*) FILTER (WHERE stats_null_count IS NULL${missingBounds}) AS unknown
    FROM parquet_metadata([${files.map(sqlString).join(', ')}]) WHERE path_in_schema = ${sqlString(column)}`);
  if (!stats || stats['n'] === null || Number(stats['unknown']) > 0) return undefined;
  return {
    values: Number(stats['n']),
    nulls: Number(stats['nulls']),
    ...(integerBounds && stats['lo'] !== null ? { min: stats['lo'] as string, max: stats['hi'] as string } : {}),
  };
}

/**
 * Each file's bounds of an integer column from its footer (null for a file with no value in it), or
 * undefined when a row group lacks them or a file's footer does not name the column.
 */
export async function integerBoundsByFile(engine: Engine, files: readonly string[], column: string): Promise<Map<string, { min: bigint; max: bigint } | null> | undefined> {
  if (files.length === 0) return new Map();
  const mine = `path_in_schema = ${sqlString(column)}`;
  const rows = await engine.rows(`
    SELECT file_name, count(*) FILTER (WHERE ${mine}) AS chunks,
           CAST(min(TRY_CAST(stats_min_value AS HUGEINT)) FILTER (WHERE ${mine}) AS VARCHAR) AS lo, CAST(max(TRY_CAST(stats_max_value AS HUGEINT)) FILTER (WHERE ${mine}) AS VARCHAR) AS hi,
           -- Stored as something else than integers (text bounds compare as text: '10' < '9'), or
           -- without bounds: nothing to prune with.
           count(*) FILTER (WHERE ${mine} AND (type NOT IN ('INT32', 'INT64') OR stats_null_count IS NULL OR (num_values > stats_null_count AND (TRY_CAST(stats_min_value AS HUGEINT) IS NULL OR TRY_CAST(stats_max_value AS HUGEINT) IS NULL)))) AS unknown
    FROM parquet_metadata([${files.map(sqlString).join(', ')}]) GROUP BY file_name`);
  const asked = new Set(files);
  if (rows.some((r) => Number(r['unknown']) > 0 || Number(r['chunks']) === 0 || !asked.has(r['file_name'] as string))) return undefined;
  // A file with no row group has no row: absent from the metadata, it holds no value.
  const byFile = new Map<string, { min: bigint; max: bigint } | null>(files.map((f) => [f, null]));
  for (const r of rows) {
    if (r['lo'] === null) continue;
    const bounds = { min: BigInt(r['lo'] as string), max: BigInt(r['hi'] as string) };
    if (bounds.min > bounds.max) return undefined;
    byFile.set(r['file_name'] as string, bounds);
  }
  return byFile;
}
