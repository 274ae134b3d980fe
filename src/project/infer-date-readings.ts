/**
 * Day and month where every value reads both ways (`03/01/2024`: 3 January or 1 March): what the column's
 * dates themselves say of the reading meant (infer.ts). Day first stays the default when they say nothing.
 */

import { sqlIdent as id } from '../engine/duckdb.js';
import { strptimeZoned } from '../pipeline/utc-offset.js';
import { DATE_FORMATS, TIMESTAMP_FORMATS } from './infer-spellings.js';

type Row = Record<string, unknown>;
type Kind = 'date' | 'timestamp';

const formatsOf = (kind: Kind) => (kind === 'date' ? DATE_FORMATS : TIMESTAMP_FORMATS);
/** The count of values a format fails to read, as infer.ts names it: `df<j>_<i>` (dates), `tf<j>_<i>` (timestamps). */
const failsKey = (kind: Kind, j: number, i: number) => `${kind === 'date' ? 'df' : 'tf'}${j}_${i}`;
const firstKey = (j: number, i: number) => `first_${j}_${i}`;
const monthKey = (kind: Kind, j: number, i: number) => `${kind === 'date' ? 'month' : 'tmonth'}_${j}_${i}`;

/** The formats (their positions) that read every value of column `i`. */
function readings(row: Row, kind: Kind, i: number): number[] {
  if (!(Number(row[`values_${i}`]) > 0)) return [];
  return formatsOf(kind).flatMap((_, j) => (Number(row[failsKey(kind, j, i)]) === 0 ? [j] : []));
}

/**
 * SQL aggregates, for the columns that read more than one way: `first_<j>_<i>`, every date of reading j
 * on the 1st of its month; `month_<j>_<i>` (`tmonth_` for timestamps), every value of reading j in one month.
 */
export function readingTests(columns: number, row: Row, value: (i: number) => string): string[] {
  const tests: string[] = [];
  for (let i = 0; i < columns; i++) {
    for (const kind of ['date', 'timestamp'] as const) {
      const js = readings(row, kind, i);
      if (js.length < 2) continue;
      for (const j of js) {
        const read = strptimeZoned(value(i), formatsOf(kind)[j]!, kind === 'timestamp');
        const month = `(year(${read}) * 12 + month(${read}))`;
        if (kind === 'date') tests.push(`bool_and(day(${read}) = 1) AS ${id(firstKey(j, i))}`);
        tests.push(`min(${month}) = max(${month}) AS ${id(monthKey(kind, j, i))}`);
      }
    }
  }
  return tests;
}

/**
 * Of `formats` (each reading every value of column `i`), the one the values point to, when exactly one does:
 * - monthly figures written month first (`02/01/2015` for 1 February) read day first too, every date in
 *   January: the reading putting every date on the 1st of its month is the one meant;
 * - a month's daily figures or a week's log written month first (`03/01/2024` to `03/12/2024`) read day
 *   first as the 3rd of twelve months: the reading keeping every value in one month is the one meant.
 * Not in a file written the European way (`;` between fields, decimal commas), where dates are day first:
 * its days 1 to 9 of January read month first as the 1st of nine months.
 */
export function pointedReading(formats: readonly string[], kind: Kind, i: number, row: Row, european: boolean): string | undefined {
  if (formats.length < 2 || european) return undefined;
  const all = formatsOf(kind);
  const only = (test: (j: number) => boolean) => {
    const found = formats.filter((f) => test(all.indexOf(f)));
    return found.length === 1 ? found[0] : undefined;
  };
  return (kind === 'date' ? only((j) => row[firstKey(j, i)] === true) : undefined) ?? only((j) => row[monthKey(kind, j, i)] === true);
}
