import { sqlIdent as id, sqlString as str, type Engine } from '../engine/duckdb.js';
import { KNOWN_UNITS } from '../pipeline/number-reading.js';
import { aggregate, filledRows } from './infer-sql.js';
import type { InferredColumn, InferredCsv } from './inferred.js';
import { ID_LIKE, PERIOD_LIKE, zeroLed } from './infer-spellings.js';
import { trimmed } from '../pipeline/trimmed-text.js';
import { isRowNumber, keyOf } from './init-yaml.js';
import { sharedCode } from './key-names.js';
import { MONEY_NAME } from './infer-names.js';

/** A column that numbers the rows of something else: GTFS's `stop_sequence`, an order's line, Olist's `order_item_id`. */
const PART_LIKE = /(^|_)(seq|sequence|line|item|position|pos)($|_)/;
/** The largest number of a part: an order's lines, a trip's stops. */
const MAX_PART = 1000;

/**
 * Two columns that together are unique and never empty in every file of a dataset of which no column
 * alone is: its key, so that a corrected export replaces its rows rather than add them again.
 * - An id and a part of it: integers from 0 to 1,000 in a column named as one (Olist's `order_id` and
 *   `order_item_id`, GTFS's `trip_id` and `stop_sequence`).
 * - Else an id and a period, when nearly every id has a row for nearly every period (a panel's country
 *   and year, half of the grid at least); the id a text column of any name (a weather station's) where
 *   both repeat, each id over two periods or more and each period of two ids or more.
 * Not two ids (a customer and a product are unique together in one month by chance, and a repeat
 * purchase would replace the first), nor an id and a day of events (sparse). Read over every file's rows in one statement.
 */
export async function pairKeyOf(engine: Engine, csv: InferredCsv, parts: readonly InferredCsv[]): Promise<[string, string] | undefined> {
  if (csv.rows < 2 || keyOf(csv).length) return undefined;
  // A column of one value (Eurostat's DATAFLOW, freq, unit) is no part of a key, and would take the place of one that is.
  const keyLike = (c: InferredColumn) => c.distinct >= 2 && c.complete && !c.placeholder && !c.amounts && !isRowNumber(c) && c.type !== 'number' && c.type !== 'boolean' && c.type !== 'decimal';
  const partOf = csv.columns.filter((c) => keyLike(c) && c.type === 'integer' && PART_LIKE.test(c.name)).slice(0, 4);
  const ids = csv.columns.filter((c) => keyLike(c) && !partOf.includes(c) && (c.type === 'integer' || c.type === 'text') && ID_LIKE.test(c.name)).slice(0, 6);
  const periods = csv.columns.filter((c) => keyLike(c) && !ids.includes(c) && !partOf.includes(c) && PERIOD_LIKE.test(c.name)).slice(0, 4);
  // With a period, any text column may be the id (NOAA's `STATION` beside `DATE`): the panel's dense grid is the proof, not the name.
  const named = csv.columns.filter((c) => keyLike(c) && c.type === 'text' && !ids.includes(c) && !periods.includes(c) && !partOf.includes(c)).slice(0, 4);
  const withEach = (from: InferredColumn[], others: InferredColumn[], kind: 'part' | 'period') => from.flatMap((a) => others.map((b) => ({ a, b, kind, named: named.includes(a) })));
  const pairs = [...withEach(ids, partOf, 'part'), ...withEach([...ids, ...named], periods, 'period')];
  if (!pairs.length) return undefined;
  const wanted = [...new Set(pairs.flatMap((p) => [p.a.name, p.b.name]))];
  const branches = parts.map((part) => {
    const index = (name: string) => part.columns.findIndex((c) => c.name === name);
    if (wanted.some((name) => index(name) < 0)) return undefined;
    return `SELECT ${wanted.map((name, k) => `nullif(${trimmed(id(`c${index(name)}`), part.delimiter !== '\t')}, '') AS ${id(`k${k}`)}`).join(', ')} FROM ${filledRows(part)}`;
  });
  // A file without one of them: not a key of every row.
  if (branches.some((b) => b === undefined)) return undefined;
  const k = (c: InferredColumn) => id(`k${wanted.indexOf(c.name)}`);
  // The pairs side by side, grouped by pair: a `count(DISTINCT ...)` per pair in one row kept a hash table
  // each, megabytes however few the rows (52 pairs of a survey of 15,000 rows: 450 MB).
  const sideBySide = `SELECT unnest([${pairs.map((_, i) => i).join(', ')}]) AS p, unnest([${pairs.map(({ a }) => k(a)).join(', ')}]) AS a, unnest([${pairs.map(({ b }) => k(b)).join(', ')}]) AS b FROM (${branches.join(' UNION ALL ')})`;
  const tests = [
    'count(*) AS n',
    'count(DISTINCT (a, b)) FILTER (WHERE a IS NOT NULL AND b IS NOT NULL) AS pairs',
    'count(DISTINCT a) * count(DISTINCT b) AS grid',
    `min(TRY_CAST(b AS BIGINT)) >= 0 AND max(TRY_CAST(b AS BIGINT)) <= ${MAX_PART} AS small`,
    // Of a column not named as an id, a panel only where both repeat (each station on two days or more, each day two stations or more):
    // a statement's narrations, one per row over two days, fill their grid by chance.
    'count(DISTINCT a) * 2 <= count(*) AND count(DISTINCT b) * 2 <= count(*) AS repeat',
  ];
  const byPair = new Map((await engine.rows(`SELECT p, ${tests.join(', ')} FROM (${sideBySide}) GROUP BY p`)).map((r) => [Number(r['p']), r]));
  const found = pairs.findIndex((p, i) => {
    const row = byPair.get(i);
    const n = Number(row?.['n']);
    return Number(row?.['pairs']) === n && (p.kind === 'part' ? row?.['small'] === true : n * 2 >= Number(row?.['grid']) && (!p.named || row?.['repeat'] === true));
  });
  return found < 0 ? undefined : [pairs[found]!.a.name, pairs[found]!.b.name];
}

/** Columns past which rows are not compared whole: no statement is so wide, and such rows are long to compare. */
const MAX_COMPARED_COLUMNS = 100;

/**
 * Rows repeating another row of their file exactly, in a dataset without a key: a statement's two
 * identical charges on one day, which the run would drop as duplicates unless told `duplicates: keep`.
 */
export async function repeatedRows(engine: Engine, csv: InferredCsv, parts: readonly InferredCsv[]): Promise<number> {
  if (csv.rows < 2 || csv.columns.length > MAX_COMPARED_COLUMNS) return 0;
  let repeated = 0;
  for (const part of parts) {
    const values = part.columns.map((_, i) => `nullif(trim(${id(`c${i}`)}), '')`);
    const [row] = await engine.rows(`SELECT count(*) - count(DISTINCT (${values.join(', ')})) AS n FROM ${filledRows(part)}`);
    repeated += Number(row?.['n'] ?? 0);
  }
  return repeated;
}

/**
 * An id column (`order_id`, complete) that repeats only where its whole row repeats: one row sent twice,
 * which the run drops as a counted duplicate under a key. Such an id is the key, so that a corrected
 * export replaces its rows. Returns the id and the number of repeated rows. Read over every file's rows
 * in one statement per candidate (at most three), since a row sent in two files is one row too.
 */
export async function keyDespiteRepeats(engine: Engine, csv: InferredCsv, parts: readonly InferredCsv[]): Promise<{ column: string; repeats: number } | undefined> {
  if (csv.rows < 2 || csv.columns.length > MAX_COMPARED_COLUMNS) return undefined;
  const candidates = csv.columns.filter((c) => c.complete && !c.unique && !c.placeholder && !c.amounts && (c.type === 'integer' || c.type === 'text') && ID_LIKE.test(c.name) && !sharedCode(c, csv) && c.distinct * 2 > csv.rows).slice(0, 3);
  for (const column of candidates) {
    const branches = parts.map((part) => {
      const i = part.columns.findIndex((c) => c.name === column.name);
      if (i < 0 || part.columns.length !== csv.columns.length) return undefined;
      // Named by the merged shape's columns so that the files' rows compare whole, whatever their order.
      const values = csv.columns.map((c) => part.columns.findIndex((p) => p.name === c.name));
      if (values.some((v) => v < 0)) return undefined;
      return `SELECT nullif(trim(${id(`c${i}`)}), '') AS k, (${values.map((v) => `nullif(trim(${id(`c${v}`)}), '')`).join(', ')}) AS r FROM ${filledRows(part)}`;
    });
    if (branches.some((b) => b === undefined)) return undefined;
    const [row] = await engine.rows(`SELECT count(*) AS n, count(k) AS present, count(DISTINCT k) AS ids, count(DISTINCT r) AS distinct_rows FROM (${branches.join(' UNION ALL ')})`);
    const n = Number(row?.['n']);
    if (Number(row?.['present']) === n && Number(row?.['ids']) === Number(row?.['distinct_rows'])) return { column: column.name, repeats: n - Number(row?.['ids']) };
  }
  return undefined;
}

/** A number as an amount left as text writes it once its signs are off (two currencies in its column, `1,859` that may be thousands): a decimal point or comma, thousands grouped by commas, or by dots and spaces; a sign, parentheses or a minus after it. */
const AMOUNT_SHAPE = `[\\s\u00a0\u202f]*[(]?[\\s\u00a0\u202f]*[+-]?[\\s\u00a0\u202f]*([0-9]+([.,][0-9]+)?|[0-9]{1,3}(,[0-9]{3})+([.][0-9]+)?|[0-9]{1,3}([. '\u00a0\u202f][0-9]{3})+(,[0-9]+)?)[\\s\u00a0\u202f]*-?[\\s\u00a0\u202f]*[)]?[\\s\u00a0\u202f]*-?[\\s\u00a0\u202f]*`;
/** Currency and percent signs, and currencies' codes as words, taken off before the shape is matched. */
const UNIT_SIGNS = `(${KNOWN_UNITS.map((u) => (/^[A-Z]+$/.test(u) ? `\\b${u}\\b` : u.replace(/[$]/g, '\\$'))).join('|')})`;

/**
 * Unique columns that are no key whatever their uniqueness, flagged on the columns (asked of the unique ones only):
 * - zeros only in a value, eight or more (a bank's `000000000000000` reference for a charge that has none): the next
 *   file's charge would replace this one's (`placeholder`);
 * - amounts (`amounts`): text whose every value is a number with decimals or thousands (two currencies in one column,
 *   `1,859` that may be thousands), none led by a zero as codes are (NACE's `01.11`), or any column named as money
 *   (`Amount` of whole euros): amounts are unique in a small file by chance, and as a key a later row of the same
 *   amount would replace another. Not a column named as an id (`ref`, `invoice_no`): its name says what it is;
 * - words (`words`): text, not named as an id, half of whose values hold a space between letters (a title, a name),
 *   no first column to take for the key beside dates (key-names.ts' datedLabel).
 */
export async function unlikelyKeys(engine: Engine, columns: InferredColumn[], rows: (columns: readonly number[]) => string): Promise<void> {
  const unique = columns.flatMap((c, i) => (c.unique && (c.type === 'integer' || c.type === 'text') ? [i] : []));
  if (!unique.length) return;
  const shaped = (c: string) => `regexp_full_match(regexp_replace(${c}, ${str(UNIT_SIGNS)}, '', 'g'), ${str(AMOUNT_SHAPE)})`;
  const texts = unique.filter((i) => columns[i]!.type === 'text' && !ID_LIKE.test(columns[i]!.name));
  const row = await aggregate(engine, [
    ...unique.map((i) => `bool_or(regexp_full_match(${id(`c${i}`)}, '0{8,}')) AS ${id(`z${i}`)}`),
    ...texts.map((i) => `bool_and(${shaped(id(`c${i}`))}) AND bool_or(regexp_matches(${id(`c${i}`)}, '[0-9][.,][0-9]')) AND NOT bool_or(${zeroLed(id(`c${i}`))}) AS ${id(`a${i}`)}`),
    ...texts.map((i) => `count(*) FILTER (WHERE regexp_matches(${id(`c${i}`)}, '\\pL\\s+\\pL')) * 2 >= count(${id(`c${i}`)}) AS ${id(`w${i}`)}`),
  ], rows);
  for (const i of unique) {
    const { name } = columns[i]!;
    if (row?.[`z${i}`] === true) columns[i] = { ...columns[i]!, placeholder: true };
    if (row?.[`a${i}`] === true || (MONEY_NAME.test(name) && !ID_LIKE.test(name))) columns[i] = { ...columns[i]!, amounts: true };
    if (row?.[`w${i}`] === true) columns[i] = { ...columns[i]!, words: true };
  }
}
