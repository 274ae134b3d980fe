import { sqlIdent as id, type Engine } from '../engine/duckdb.js';
import { trimmed } from '../pipeline/trimmed-text.js';
import { filledRows } from './infer-sql.js';
import type { InferredColumn, InferredCsv } from './inferred.js';
import { PERIOD_LIKE } from './infer-spellings.js';
import { isRowNumber } from './init-yaml.js';
import { keyNamed, positionNamed } from './key-names.js';

/**
 * Files of one table given to init together that are downloads of one export at two times (Goodreads'
 * `goodreads_library_export.csv` and `goodreads_library_export (1).csv`, USGS's `all_month` a week
 * apart): their id is unique in each file and repeats across them, a book or an event being in both.
 * Over the union it is not unique, yet it is their key: without it, every row shared counts twice.
 */

/** Other columns compared in a row: as many as infer-key.ts compares whole rows. */
const MAX_COMPARED_COLUMNS = 100;

/** Nine in ten of the shared ids' rows alike: an export's later download changes a few rows (a rating, an event reviewed). */
const ALIKE_SHARE = 0.9;

/** An id that may repeat across files (`Book Id`, `id`): named as one and no shared code, rank, amount or row number (keyOf's tests). */
export function redownloadCandidate(c: InferredColumn, csv: InferredCsv): boolean {
  return c.unique && c.distinct >= 2 && !c.placeholder && !c.amounts && (c.type === 'integer' || c.type === 'text') && !isRowNumber(c) && !positionNamed(c) && keyNamed(c, csv);
}

/**
 * Whether the values of `column` (unique in each file) shared between files are a download's overlap:
 * the rows of a shared value are one record's in nine pairs in ten. A pair is one record's when
 * - no date, nor a column named as a period (`year`, `report_date`), holds two values: files of two years
 *   of a panel share their countries' codes, each file of its year;
 * - and it agrees on most of the other columns unique in each file, not of integers (a title, an author, an
 *   event's time and place: the rows of line numbers restarting each month do not), or, with none, on half
 *   its filled columns at least.
 */
export async function redownloadOverlap(engine: Engine, csv: InferredCsv, parts: readonly InferredCsv[], column: InferredColumn): Promise<boolean> {
  const inEvery = (name: string) => parts.every((p) => p.columns.some((c) => c.name === name));
  if (!inEvery(column.name)) return false;
  const others = csv.columns.filter((c) => c.name !== column.name && inEvery(c.name)).slice(0, MAX_COMPARED_COLUMNS);
  if (!others.length) return false;
  const of = (part: InferredCsv, name: string) => part.columns.find((c) => c.name === name)!;
  const identifying = others.filter((c) => c.type !== 'integer' && !isRowNumber(c) && !positionNamed(c) && parts.every((p) => of(p, c.name).unique));
  const periods = others.filter((c) => c.type === 'date' || PERIOD_LIKE.test(c.name));
  const value = (part: InferredCsv, name: string) => `nullif(${trimmed(id(`c${part.columns.indexOf(of(part, name))}`), part.delimiter !== '\t')}, '')`;
  const branches = parts.map((part, f) => `SELECT ${f} AS f, ${value(part, column.name)} AS k, ${others.map((c, i) => `${value(part, c.name)} AS ${id(`o${i}`)}`).join(', ')} FROM ${filledRows(part)}`);
  const o = (side: 'a' | 'b', c: InferredColumn) => `${side}.${id(`o${others.indexOf(c)}`)}`;
  const sum = (terms: string[]) => terms.map((t) => `(${t})::INTEGER`).join(' + ');
  const same = (c: InferredColumn) => `coalesce(${o('a', c)} = ${o('b', c)}, false)`;
  const twoPeriods = periods.length ? periods.map((c) => `coalesce(${o('a', c)} <> ${o('b', c)}, false)`).join(' OR ') : 'false';
  const agree = identifying.length
    ? `(${sum(identifying.map(same))}) * 2 > ${identifying.length}`
    : `(${sum(others.map(same))}) * 2 >= ${sum(others.map((c) => `${o('a', c)} IS NOT NULL OR ${o('b', c)} IS NOT NULL`))}`;
  const [row] = await engine.rows(
    `WITH r AS (${branches.join(' UNION ALL ')}) SELECT count(*) AS pairs, count(*) FILTER (WHERE NOT (${twoPeriods}) AND (${agree})) AS alike FROM r a JOIN r b ON a.k = b.k AND a.f < b.f`,
  );
  const pairs = Number(row?.['pairs'] ?? 0);
  return pairs > 0 && Number(row?.['alike']) >= pairs * ALIKE_SHARE;
}
