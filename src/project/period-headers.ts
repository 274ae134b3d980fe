import type { InferredColumn } from './inferred.js';

/**
 * Headers that are periods: a wide file's column per day, month or year (JHU's `1/22/20`, Zillow's
 * `2000-01-31`, the World Bank's `2022`), each holding that period's figures. Such a column is a measure,
 * unique in a few rows by chance but never a key, and of several the latest is the one to show.
 */

const YEAR = /^((?:19|20)\d\d)$/;
const MONTH = /^((?:19|20)\d\d)[-/.](0?[1-9]|1[0-2])$/;
const ISO_DAY = /^((?:19|20)\d\d)[-/.](\d\d?)[-/.](\d\d?)$/;
/** Day and month in either order, then the year (`1/22/20`, `22.01.2020`). */
const NUMERIC_DAY = /^(\d\d?)[-/.](\d\d?)[-/.]((?:19|20)?\d\d)$/;

/** As yyyymmdd, of a real day only (a year as 0000, a month as its day 00). */
const day = (y: number, m: number, d: number) => (m >= 1 && m <= 12 && d >= 0 && d <= 31 ? y * 10000 + m * 100 + d : undefined);
/** A two-digit year as DuckDB's %y reads it: 00–68 in the 2000s. */
const fullYear = (y: string) => (y.length === 4 ? Number(y) : Number(y) + (Number(y) <= 68 ? 2000 : 1900));

/**
 * The columns whose header is a period, each with its time as yyyymmdd, for the latest to be found. Days
 * written with the month first, as JHU's, unless one of them reads only day first (`22/01/20`).
 */
export function headerPeriods(columns: InferredColumn[]): Map<string, number> {
  const headers = columns.map((c) => [c.name, c.header.trim()] as const);
  const dayFirst = headers.some(([, h]) => Number(NUMERIC_DAY.exec(h)?.[1] ?? 0) > 12);
  const periods = new Map<string, number>();
  for (const [name, h] of headers) {
    const [year, month, iso, numeric] = [YEAR.exec(h), MONTH.exec(h), ISO_DAY.exec(h), NUMERIC_DAY.exec(h)];
    const [a, b] = numeric ? [Number(numeric[1]), Number(numeric[2])] : [0, 0];
    const time = year ? Number(year[1]) * 10000 : month ? day(Number(month[1]), Number(month[2]), 0) : iso ? day(Number(iso[1]), Number(iso[2]), Number(iso[3])) : numeric ? day(fullYear(numeric[3]!), dayFirst ? b : a, dayFirst ? a : b) : undefined;
    if (time !== undefined) periods.set(name, time);
  }
  return periods;
}
