import { sqlIdent as id, sqlString as str, type Engine, type QueryProgress } from '../engine/duckdb.js';
import { NULL_TOKENS, STATISTICS_MARKS } from './infer-spellings.js';
import { numberNamed } from './infer-names.js';
import type { InferredColumn } from './inferred.js';

/** The rows where `condition` holds, counted. */
export type Count = (condition: string) => string;

/**
 * Counted row by row, without a FILTER clause: for each aggregate with one, DuckDB keeps a copy of every
 * column the statement reads, 2,048 rows of them per thread (220 of them over 150 columns: 500 MB).
 */
export const countRows: Count = (condition) => `count(CASE WHEN ${condition} THEN 1 END)`;

/** An aggregate asked of every column, named. */
export interface ColumnTest {
  name: string;
  sql: string;
}

/**
 * Columns whose fields one statement sets side by side (see columnAggregates). DuckDB reserves about
 * 256 KB per column of such a statement per thread, whatever the rows: 1,000 columns did not run under
 * 256 MB. 800 columns of 15,000 rows took 8.2 s and 850 MB peak in statements of 1,000 columns, 7.8 s and
 * 590 MB of 400, 8.1 s and 480 MB of 200, 8.6 s and 500 MB of 100.
 */
const COLUMNS_PER_STATEMENT = 200;

export interface ColumnOptions {
  /** The value `v` of field `c`, for the tests to read beside it. */
  value?: (c: string) => string;
  /** A column of the rows kept beside each field (a row's position, `_n`): each row then counts on its own. */
  keep?: string;
  onProgress?: (p: QueryProgress) => void;
}

/**
 * The same aggregates asked of each of `columns` of `rows` (`"c<i>"`, text, null when empty), in one
 * statement grouped by column over the columns' fields side by side (`c`): each distinct field once, with
 * the number of rows `m` writing it, so that a survey's `1` to `5` is tested five times, not 15,000.
 * `tests(count)` builds them on `c` (and `v`, see options), counting rows with `count`. Returns each
 * test of column i as `<name>_<i>`, and the number of rows as `n`.
 * Asked column by column, 300 columns took a statement per 20, each of hundreds of aggregates keeping
 * state of their own (a `count(DISTINCT ...)`'s hash table, a FILTER's copy of the rows: megabytes each,
 * however few the rows): 10 s and 1 GB for a file of 174 KB. Testing each value rather than each
 * distinct one, an IoT export of 1M rows and 11 columns took 10 s where this takes 5.5 s.
 */
export async function columnAggregates(engine: Engine, columns: readonly number[], rows: (columns: readonly number[]) => string, tests: (count: Count) => ColumnTest[], options: ColumnOptions = {}): Promise<Record<string, unknown>> {
  const { value, keep, onProgress } = options;
  const count: Count = (condition) => `coalesce(sum(m) FILTER (WHERE ${condition}), 0)`;
  const selects = ['sum(m) AS "#rows"', ...tests(count).map((t) => `${t.sql} AS ${id(t.name)}`)];
  const found: Record<string, unknown> = { n: 0 };
  for (let k = 0; k < columns.length; k += COLUMNS_PER_STATEMENT) {
    const part = columns.slice(k, k + COLUMNS_PER_STATEMENT);
    const ks = `[${part.join(', ')}]`;
    const sideBySide = `SELECT unnest(${ks}) AS k, unnest([${part.map((i) => id(`c${i}`)).join(', ')}]) AS c${keep ? `, ${keep}` : ''} FROM ${rows(part)}`;
    const counted = keep ? `SELECT k, c, 1 AS m, ${keep} FROM (${sideBySide})` : `SELECT k, c, count(*) AS m FROM (${sideBySide}) GROUP BY k, c`;
    // A row of no rows per column: a file of none still answers for each, as an aggregate of no rows does.
    const every = `${counted} UNION ALL SELECT unnest(${ks}), NULL, 0${keep ? ', NULL' : ''}`;
    const sql = `SELECT k, ${selects.join(', ')} FROM (SELECT *${value ? `, ${value('c')} AS v` : ''} FROM (${every})) GROUP BY k`;
    const progress = onProgress && ((p: QueryProgress) => onProgress({ percent: p.percent === undefined ? undefined : (100 * k + p.percent * part.length) / columns.length }));
    for (const r of await engine.rows(sql, progress)) {
      for (const [name, v] of Object.entries(r)) if (name !== 'k' && name !== '#rows') found[`${name}_${r['k']}`] = v;
      found['n'] = r['#rows'];
    }
  }
  return found;
}

/** An e-mail address: a local part, `@`, a domain of two labels at least, without spaces. */
const EMAIL = "[^@\\s,;<>]+@[^@\\s,;<>]+\\.[A-Za-z]{2,}";

/**
 * What the typing reads of every field (see columnAggregates, grouped by distinct field, without `keep`): the fields
 * (`present`), the values (`values`, `v` not null), the distinct fields (`distinct`), the spellings of
 * missing (`tokens`) and statistics marks (`marks`) written, joined by chr(1), null when none, the `T`s (`trace`),
 * the e-mail addresses (`emails`), the most frequent value (`topv`) and its rows (`top`), and the most decimals (`dec`).
 */
export function fieldTests(count: Count): ColumnTest[] {
  const among = (list: readonly string[]) => `list_contains([${list.map(str).join(', ')}], c)`;
  return [
    { name: 'present', sql: count('c IS NOT NULL') },
    { name: 'values', sql: count('v IS NOT NULL') },
    { name: 'distinct', sql: 'count(c)' },
    // Sorted: the same definitions whatever order the hash table gives them in.
    { name: 'tokens', sql: `string_agg(c, chr(1) ORDER BY c) FILTER (WHERE ${among(NULL_TOKENS)})` },
    { name: 'marks', sql: `string_agg(c, chr(1) ORDER BY c) FILTER (WHERE ${among(STATISTICS_MARKS)})` },
    // NOAA's `T`, a trace of rain or snow among figures (tracedType).
    { name: 'trace', sql: count(`c = 'T'`) },
    // `@` looked for first, a cheap test most fields fail before the regular expression.
    { name: 'emails', sql: count(`contains(c, '@') AND regexp_full_match(c, ${str(EMAIL)})`) },
    // The most frequent value and its rows (`m`: a field's rows): one value in nearly every row (Zillow's `RegionType`) groups nothing.
    { name: 'top', sql: 'max(CASE WHEN v IS NOT NULL THEN m END)' },
    { name: 'topv', sql: 'arg_max(c, CASE WHEN v IS NOT NULL THEN m END)' },
    // Digits after the last point or comma (99 with an exponent, `1.5e-05`): what a sum of a column of numbers is rounded to, not DOUBLE's `37822.389999999956`.
    // (No regular expression for a field without a point or comma: most are such, and a wide file has thousands of columns.)
    { name: 'dec', sql: "max(CASE WHEN NOT (contains(v, '.') OR contains(v, ',')) THEN 0 WHEN regexp_matches(v, '[0-9][eE][+-]?[0-9]') THEN 99 ELSE length(regexp_extract(v, '[.,]([0-9]*)[^0-9]*$', 1)) END)" },
  ];
}

/**
 * What a column's name and fieldTests' counts (`row`) say beside its type, set on `columns` in place: whole
 * numbers named as an amount or a UTC offset are numbers (numberNamed), and text whose every value is an
 * e-mail address is flagged (`emails`: personal data whatever its name, personal-names.ts). With the rows
 * it fills, its most frequent value, and a number's decimals, which the starter KPI reads (starter-kpi.ts).
 */
export function namedAndShaped(columns: InferredColumn[], row: Record<string, unknown>): void {
  columns.forEach((c, i) => {
    const values = Number(row[`values_${i}`]);
    const type = c.type === 'integer' && numberNamed(c.name) ? 'number' : c.type;
    const top = values > 0 ? { top: { value: String(row[`topv_${i}`]), rows: Number(row[`top_${i}`]) } } : {};
    columns[i] = { ...c, type, filled: values, ...top, ...(type === 'number' ? { decimals: Number(row[`dec_${i}`] ?? 0) } : {}) };
    if (c.type === 'text' && values > 0 && Number(row[`emails_${i}`]) === values) columns[i] = { ...columns[i]!, emails: true };
  });
}
