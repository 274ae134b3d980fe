import { sqlIdent as id } from '../engine/duckdb.js';
import { KNOWN_UNITS, numberExpr, withoutUnit } from '../pipeline/number-reading.js';
import { asRead, zeroLed } from './infer-spellings.js';
import type { Rows } from './infer-sql.js';
import { countRows, type ColumnTest, type Count } from './infer-columns.js';
import type { DecimalSeparator } from './types.js';

/** The rows where value `v` is not null and `test` gives NULL, counted by `count`. */
export const failing = (v: string, count: Count) => (test: string) => count(`${v} IS NOT NULL AND (${test}) IS NULL`);

/**
 * The counts that type a column of numbers, for its value `v`, each named: the values that fail each
 * reading (`int`, `num`; `numc` with decimal commas, `nump` with commas grouping thousands), and the
 * values that tell one convention from the other (`dc`, `dd`, `dtt`, `dt`, `ctt`, `ct`, `pi`: see decimalSeparatorOf).
 * `intz` is of use for a column named as an id only.
 */
export function numberTests(v: string, count: Count): ColumnTest[] {
  const fails = failing(v, count);
  // A number as silver reads it, finite, and not an id of more digits than a double holds exactly.
  const reads = (separator?: ',' | '.') => `CASE WHEN NOT ${zeroLed(v)} AND NOT regexp_full_match(${v}, '[+-]?[0-9]{16,}') AND isfinite(${numberExpr(v, 'DOUBLE', separator)}) THEN true END`;
  return [
    { name: 'int', sql: fails(`CASE WHEN regexp_full_match(${v}, '[+-]?[0-9]+') AND NOT ${zeroLed(v)} THEN TRY_CAST(${v} AS BIGINT) END`) },
    // Ids written as floats by pandas where one is missing (`17850.0`, Online Retail's CustomerID): integers (`intz`).
    { name: 'intz', sql: fails(`CASE WHEN regexp_full_match(${v}, '[+-]?[0-9]+([.]0)?') AND NOT ${zeroLed(v)} THEN TRY_CAST(regexp_replace(${v}, '[.]0$', '') AS BIGINT) END`) },
    { name: 'num', sql: fails(reads()) },
    // The same with a decimal comma and thousands dots (`decimal_separator: ","`), and the values that tell one
    // convention from the other: `12,5` or `0,125` (no thousands), against `12.5` (no thousands either).
    { name: 'numc', sql: fails(reads(',')) },
    // And with the comma grouping thousands only (`decimal_separator: "."`): `2,067` beside `13,436.29`.
    { name: 'nump', sql: fails(reads('.')) },
    // (Thousands grouped by dots or spaces, a non-breaking one as French exports write: `3 033 682,56`.)
    { name: 'dc', sql: count(`regexp_full_match(${v}, '[+-]?[0-9][0-9. \u00a0\u202f]*,[0-9]+') AND NOT regexp_full_match(${v}, '[+-]?[1-9][0-9]{0,2}(,[0-9]{3})+')`) },
    { name: 'dd', sql: count(`regexp_full_match(${v}, '[+-]?[0-9]*[.][0-9]+') AND NOT regexp_full_match(${v}, '[+-]?[1-9][0-9]{0,2}([.][0-9]{3})+')`) },
    // Dots that can group thousands only (`3.410.256`), or may (`59.594`), and plain integers (`946`) beside them.
    { name: 'dtt', sql: count(`regexp_full_match(${v}, '[+-]?[1-9][0-9]{0,2}([.][0-9]{3}){2,}')`) },
    { name: 'dt', sql: count(`regexp_full_match(${v}, '[+-]?[1-9][0-9]{0,2}[.][0-9]{3}')`) },
    // The same with commas: `1,493,586` (thousands only), `29,814` (thousands, or three decimals).
    { name: 'ctt', sql: count(`regexp_full_match(${v}, '[+-]?[1-9][0-9]{0,2}(,[0-9]{3}){2,}([.][0-9]*)?')`) },
    { name: 'ct', sql: count(`regexp_full_match(${v}, '[+-]?[1-9][0-9]{0,2}(,[0-9]{3})+')`) },
    { name: 'pi', sql: count(`regexp_full_match(${v}, '[+-]?[0-9]+')`) },
    // Thousands grouped by spaces (`652 432`: INSEE's, French Excel's, a no-break space read as a plain one), which no
    // decimal point's locale writes; and integers so grouped or not (`ints`), of use with decimal commas only.
    { name: 'st', sql: count(`regexp_full_match(${v}, '[+-]?[1-9][0-9]{0,2}([ \u00a0\u202f][0-9]{3})+(,[0-9]+)?')`) },
    { name: 'ints', sql: fails(`CASE WHEN regexp_full_match(${v}, '[+-]?([0-9]+|[1-9][0-9]{0,2}([ \u00a0\u202f][0-9]{3})+)') AND NOT ${zeroLed(v)} THEN TRY_CAST(regexp_replace(${v}, '[ \u00a0\u202f]', '', 'g') AS BIGINT) END`) },
    // Zero-padded values (`007`), which a number column would read without their zeros.
    { name: 'zl', sql: count(zeroLed(v)) },
    // The longest value: one of 16 characters or more may hold more digits than a double (see wideNumbers).
    { name: 'len', sql: `max(strlen(${v}))` },
  ];
}

/** Letters of the scripts of Chinese, Japanese and Korean, whose exports write a decimal point and group thousands with commas. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/**
 * The file's decimal separator, from the counts of numberTests (`n(k, i)`: count k of column i):
 * `.` where a number has a decimal point; `,` where one has a decimal comma (and none a point), or dots
 * or spaces group thousands. Where no decimal tells, `.` too when commas group thousands in a column of numbers:
 * `1,493,586` among them (two commas: no decimal one); or `29,814` beside `946` in a comma-separated
 * file (a number past 999 grouped, one below not; a decimal comma there would have been quoted too);
 * or a header in Chinese, Japanese or Korean, whose locales write decimal points (e-Stat's `8,416`,
 * MUFG's `51,850`). Not for `1,859` alone, which may be a fuel price of three decimals.
 */
export function decimalSeparatorOf(n: (k: string, i: number) => number, headers: string[], delimiter: string): DecimalSeparator | undefined {
  const columns = headers.map((_, i) => i);
  const sum = (k: string) => columns.reduce((total, i) => total + n(k, i), 0);
  if (sum('dd') > 0) return '.';
  // No decimal either way, but a column of numbers whose dots group thousands: `3.410.256` (two dots: no
  // decimal point), or `59.594` beside `946` in a `;`-separated file (Destatis' counts: a number past
  // 999 grouped, one below not). Not `1.859` alone (fuel prices), nor an IP address (not numbers).
  const dotThousands = columns.some((i) => n('values', i) > 0 && n('numc', i) === 0 && (n('dtt', i) > 0 || (delimiter === ';' && n('dt', i) > 0 && n('pi', i) > 0)));
  // Or spaces (INSEE's `652 432`), which only decimal commas' locales write, and silver reads with them.
  const spaceThousands = columns.some((i) => n('values', i) > 0 && n('numc', i) === 0 && n('st', i) > 0);
  if (sum('dc') > 0 || dotThousands || spaceThousands) return ',';
  const commaGrouped = columns.filter((i) => n('values', i) > 0 && n('nump', i) === 0 && n('ct', i) + n('ctt', i) > 0);
  const thousands = commaGrouped.some((i) => n('ctt', i) > 0 || (delimiter === ',' && n('pi', i) > 0)) || headers.some((h) => CJK.test(h));
  return commaGrouped.length && thousands ? '.' : undefined;
}

type Aggregate = (selects: string[], from: Rows) => Promise<Record<string, unknown>>;

/**
 * Columns of numbers written with a currency or percent sign (`$1,234.50`, `1 234,56 €`, `98%`,
 * `($5.00)`), which typed as text: of those with one known unit in their first rows (or in any row, where
 * the others are plain numbers), the ones whose
 * every value reads as a number once that unit is taken off, as silver reads a column declared with
 * it. Their counts in `row` are replaced by those of the numbers without the unit, so that the
 * column is typed, and the file's decimal separator told, from them. Returns each one's unit.
 * `raw(i)`: column i's field as written (trimmed), `value(i)` as read for its type (asRead, missing spellings NULL).
 */
export async function unitColumns(aggregate: Aggregate, candidates: number[], value: (i: number) => string, raw: (i: number) => string, source: Rows, firstRows: Rows, row: Record<string, unknown>): Promise<Map<number, string>> {
  const signs = KNOWN_UNITS.filter((u) => !/^[A-Z]+$/.test(u));
  const symbols = `'(${signs.map((u) => u.replace(/[$]/g, '\\$')).join('|')})'`;
  // A currency's code counts set apart by a space (`USD 500.00`, `500 USD`): joined to digits (`USD-1`, `EUR5X`), a code names something else.
  const codes = `'(^|\\s)(${KNOWN_UNITS.filter((u) => /^[A-Z]+$/.test(u)).join('|')})(\\s|$)'`;
  const unitOf = (v: string) => `coalesce(nullif(regexp_extract(${v}, ${symbols}), ''), nullif(regexp_extract(${v}, ${codes}, 2), ''))`;
  // One unit: the lowest and the highest the same (no DISTINCT nor FILTER: state of their own per column, megabytes each).
  const unitIn = (i: number) => `CASE WHEN regexp_matches(${value(i)}, '[0-9]') THEN ${unitOf(value(i))} END`;
  const unitsOf = (columns: number[], from: Rows) => aggregate(columns.flatMap((i) => [`min(${unitIn(i)}) AS ${id(`unitlo_${i}`)}`, `max(${unitIn(i)}) AS ${id(`unithi_${i}`)}`]), from);
  const found = await unitsOf(candidates, firstRows);
  // A unit only in later rows (30,000 plain `12,50`, then `12,50 €`): looked for in every row, of the columns
  // without one in the first rows whose other values read as numbers (not every column of text: names, cities).
  const partly = candidates.filter((i) => found[`unitlo_${i}`] == null && ['int', 'num', 'numc', 'nump'].some((k) => Number(row[`${k}_${i}`]) < Number(row[`values_${i}`])));
  if (partly.length) Object.assign(found, await unitsOf(partly, source));
  const units = new Map<number, string>();
  for (const i of candidates) {
    const unit = found[`unitlo_${i}`];
    if (typeof unit === 'string' && unit === found[`unithi_${i}`]) units.set(i, unit);
  }
  if (!units.size) return units;
  // The unit taken off the field as written, as silver takes it off: not off the value as read, whose no-break spaces
  // are plain ones, or a column typed here (`12,5 %` with U+00A0) may be one silver quarantines. Then read as any value
  // (a minus after the number first: `614,10- €`). A value without the unit reads as it is, as silver reads it first.
  const bare = (i: number) => `coalesce(list_transform([${withoutUnit(raw(i), units.get(i)!)}], lambda _w: ${asRead('_w')})[1], ${value(i)})`;
  const counts = await aggregate([...units.keys()].flatMap((i) => numberTests(bare(i), countRows).flatMap((t) => (t.name === 'intz' ? [] : [`${t.sql} AS ${id(`${t.name}_${i}`)}`]))), source);
  const numbers = new Map<number, string>();
  for (const [i, unit] of units) {
    if (['int', 'num', 'numc', 'nump'].every((k) => Number(counts[`${k}_${i}`]) !== 0)) continue;
    numbers.set(i, unit);
    for (const k of ['int', 'num', 'numc', 'nump', 'dc', 'dd', 'dtt', 'dt', 'ctt', 'ct', 'pi', 'st', 'ints', 'zl', 'len']) row[`${k}_${i}`] = counts[`${k}_${i}`];
  }
  return numbers;
}

/**
 * Columns of numbers of more significant digits than a double holds exactly (15: `99999999999999.9999`,
 * a ledger's amounts), each with the scale of a decimal that holds them all (DECIMAL(18, s)), or
 * undefined when none does (text then). Read only where a value is 16 characters long or more. Not the
 * columns whose long values are each what a double prints (its shortest digits, or 17 of them) and
 * whose decimals go past cents: measurements a program wrote from doubles (the World Bank's
 * `100880427939258.6` beside `3544707788.05664`, OWID's ten decimals), which stay `number`; as a decimal
 * of the scale of one download, the next year's value of more decimals would be quarantined.
 */
export async function wideNumbers(aggregate: Aggregate, columns: number[], value: (i: number) => string, source: Rows, separator: ',' | '.' | undefined, row: Record<string, unknown>): Promise<Map<number, number | undefined>> {
  const long = columns.filter((i) => Number(row[`len_${i}`]) >= 16);
  const sep = separator === ',' ? "','" : "'.'";
  const digits = (v: string) => `length(regexp_replace(${v}, '[^0-9]', '', 'g'))`;
  // The significant digits of a number's text, without its exponent: `1.2345678901234568e-05` → `12345678901234568`.
  const significant = (t: string) => `rtrim(ltrim(regexp_replace(split_part(lower(${t}), 'e', 1), '[^0-9]', '', 'g'), '0'), '0')`;
  const printedByDouble = (v: string) => {
    const double = numberExpr(v, 'DOUBLE', separator);
    return `coalesce(${significant(v)} IN (${significant(`CAST(${double} AS VARCHAR)`)}, ${significant(`printf('%.17g', ${double})`)}), false)`;
  };
  const counts = await aggregate(
    long.flatMap((i) => [
      `max(length(ltrim(regexp_replace(${value(i)}, '[^0-9]', '', 'g'), '0'))) AS ${id(`sig_${i}`)}`,
      `max(${digits(`split_part(${value(i)}, ${sep}, 1)`)}) AS ${id(`whole_${i}`)}`,
      `max(CASE WHEN contains(${value(i)}, ${sep}) THEN ${digits(`split_part(${value(i)}, ${sep}, 2)`)} ELSE 0 END) AS ${id(`frac_${i}`)}`,
      `count(*) FILTER (WHERE length(${significant(value(i))}) > 15 AND NOT ${printedByDouble(value(i))}) AS ${id(`exact_${i}`)}`,
    ]),
    source,
  );
  const wide = new Map<number, number | undefined>();
  for (const i of long) {
    if (Number(counts[`sig_${i}`]) <= 15) continue;
    const [whole, scale] = [Number(counts[`whole_${i}`]), Number(counts[`frac_${i}`])];
    if (scale > 2 && Number(counts[`exact_${i}`]) === 0) continue;
    wide.set(i, whole + scale <= 18 ? scale : undefined);
  }
  return wide;
}
