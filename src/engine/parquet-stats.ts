import { sqlString, type Engine } from './duckdb.js';

export interface ColumnStats {
  /** Non-null values, and nulls. */
  values: number;
  nulls: number;
  /** An integer column's bounds; absent when every value is null. */
  min?: bigint;
  max?: bigint;
}

/**
 * Each file's counts of a column (and, for an integer column, its bounds) from the statistics in the
 * Parquet footers rather than a read of the column: a lake of 50M purchases, 0.01–0.02 s against
 * 0.16 s. Undefined when the footers cannot tell (another writer may leave statistics out, a footer
 * may not name the column): the caller reads the column. A file with no row group holds no value.
 */
export async function footerStatsByFile(engine: Engine, files: readonly string[], column: string, integerBounds: boolean): Promise<Map<string, ColumnStats> | undefined> {
  const mine = `path_in_schema = ${sqlString(column)}`;
  // Integer bounds only from integers stored as such: text bounds compare as text ('10' < '9').
  const noBounds = integerBounds
    ? ` OR type NOT IN ('INT32', 'INT64') OR (num_values > stats_null_count AND (TRY_CAST(stats_min_value AS HUGEINT) IS NULL OR TRY_CAST(stats_max_value AS HUGEINT) IS NULL))`
    : '';
  const rows = files.length
    ? await engine.rows(`
    SELECT file_name, count(*) FILTER (WHERE ${mine}) AS chunks,
           sum(num_values - stats_null_count) FILTER (WHERE ${mine}) AS n, sum(stats_null_count) FILTER (WHERE ${mine}) AS nulls,
           CAST(min(TRY_CAST(stats_min_value AS HUGEINT)) FILTER (WHERE ${mine}) AS VARCHAR) AS lo,
           CAST(max(TRY_CAST(stats_max_value AS HUGEINT)) FILTER (WHERE ${mine}) AS VARCHAR) AS hi,
           count(*) FILTER (WHERE ${mine} AND (stats_null_count IS NULL${noBounds})) AS unknown
    FROM parquet_metadata([${files.map(sqlString).join(', ')}]) GROUP BY file_name`)
    : [];
  const byFile = new Map<string, ColumnStats>(files.map((f) => [f, { values: 0, nulls: 0 }]));
  for (const r of rows) {
    if (Number(r['unknown']) > 0 || Number(r['chunks']) === 0 || !byFile.has(r['file_name'] as string)) return undefined;
    const stats: ColumnStats = { values: Number(r['n']), nulls: Number(r['nulls']) };
    if (integerBounds && r['lo'] !== null) {
      stats.min = BigInt(r['lo'] as string);
      stats.max = BigInt(r['hi'] as string);
      if (stats.min > stats.max) return undefined;
    }
    byFile.set(r['file_name'] as string, stats);
  }
  return byFile;
}

/** The same, over all the files together. */
export async function footerStats(engine: Engine, files: readonly string[], column: string, integerBounds: boolean): Promise<ColumnStats | undefined> {
  const byFile = await footerStatsByFile(engine, files, column, integerBounds);
  if (!byFile || byFile.size === 0) return undefined;
  const total: ColumnStats = { values: 0, nulls: 0 };
  for (const s of byFile.values()) {
    total.values += s.values;
    total.nulls += s.nulls;
    if (s.min !== undefined && (total.min === undefined || s.min < total.min)) total.min = s.min;
    if (s.max !== undefined && (total.max === undefined || s.max > total.max)) total.max = s.max;
  }
  return total;
}
