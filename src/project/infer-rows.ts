import { sqlIdent as id, sqlString as str, type Engine } from '../engine/duckdb.js';
import { NULL_TOKENS, STATISTICS_MARKS } from './infer-spellings.js';
import { columnAggregates, type Count } from './infer-columns.js';
import { totalLabel as totalSpelling } from '../pipeline/total-rows.js';

/**
 * Which rows of a CSV its columns are typed from (infer.ts): not a second header row of descriptions,
 * not the notes and totals after the data, not rows repeating the header. The run quarantines them
 * instead (a type they do not have, a required column they leave empty).
 */

/** Rows a second header is looked for in. */
const SAMPLE_ROWS = 1_000;

/**
 * The rows of `rows` to type (`typed`): without the first `skipRows` (a second header, Qualtrics' two), lines of notes
 * after the data (`footerRows`: the last rows, of three columns or more, that fill the first field
 * alone with what reads as a note, or are totals, `totalRows` those with figures, the first's label `totalLabel`;
 * `tailRows` with the empty ones among them), rows repeating the header (`repeatedHeaders`)
 * an accounting report's totals, balances and section lines among the data (`reportRows`), and rows of empty fields
 * only (`emptyRows`, `,,`: those after the data, as a spreadsheet saves them, among `tailRows`; `emptyAmong` the others).
 * Told from one pass over a few flags per row; the rows are numbered again only when notes are found.
 */
export async function notesAndHeaders(engine: Engine, rows: string, headers: string[], skipRows: number): Promise<{ footerRows: number; wholeFooterRows: number; totalRows: number; totalLabel?: string; tailRows: number; repeatedHeaders: number; reportRows: number; emptyRows: number; emptyAmong: number; sumRowFilled?: number[]; typed: (rows: string) => string }> {
  const others = headers.length - 1;
  // The fields after the first a row fills, listed once (a file of a thousand columns makes a long list).
  const filledCount = others ? `list_count([${headers.slice(1).map((_, i) => id(`c${i + 1}`)).join(', ')}])` : '0';
  const repeatsHeader = headers.map((h, i) => `${id(`c${i}`)} IS NOT DISTINCT FROM ${h.trim() ? str(h.trim()) : 'NULL'}`).join(' AND ');
  // A note reads as one: a source, a footnote, a date of update (`Source: ONS...`, `Data from database: ...`),
  // not a value such as a respondent's id whose answers are all blank.
  const note = `regexp_matches(c0, '[A-Za-z]') AND (contains(c0, ':') OR length(c0) >= 30 OR regexp_matches(lower(c0), '^(source|note|footnote|last updated|data from|copyright|\\(c\\)|©)'))`;
  // A totals row at the end (Excel's `Total;;;;41350`) sums the rows above it: no row of its own.
  // Salesforce's `Grand Totals (400 records)` too. Told as the run's `total_row` tells it.
  const total = totalSpelling('c0');
  // An accounting report's rows among the data (QuickBooks' `Total for Checking`, Xero's `Opening Balance`,
  // and the account a section is of, alone on its line): told only in a file with such a total or balance,
  // which leaves half its fields empty at least (a film, `Total Recall,1990,7.5`, fills its row).
  const reportLabel = (count: string) => `(coalesce(regexp_matches(lower(trim(c0)), '^(total|subtotal|sub-total|opening balance|closing balance)\\b'), false) AND ${count} * 2 <= ${others})`;
  const section = (count: string) => `(c0 IS NOT NULL AND regexp_matches(c0, '[A-Za-z]') AND ${count} = 0)`;
  const reportRow = `(${reportLabel(filledCount)} OR ${section(filledCount)})`;
  // The flags computed before the rows are numbered: numbered whole, a file of 1,000 columns took 250 MB to number 30 rows.
  const flags = `(SELECT _n, total, total AND n > 0 AS summed, CASE WHEN total THEN c0 END AS c0, unlabelled, first, value, ${others >= 2 ? 'n > 0' : 'true'} AND NOT total AS more, n = ${others} AS filled, header, ${reportLabel('n')} AS label, ${section('n')} AS section, unlabelled AND n = 0 AS blank
    FROM (SELECT row_number() OVER () AS _n, * FROM (SELECT c0, ${total} AS total, c0 IS NULL AS unlabelled, coalesce(${note}, false) OR ${total} AS first, c0 IS NOT NULL AND NOT coalesce(${note}, false) AND NOT ${total} AS value, ${filledCount} AS n, ${repeatsHeader} AS header FROM ${rows})))`;
  const [r] = await engine
    // After a totals line, a row without a label in the first field is its figures (Salesforce writes `Grand
    // Totals (400 records)`, then `"","",...,"USD 49,471,547.92"`): when only such rows and notes follow it, the data ends before it.
    .rows(`WITH f AS ${flags}, t AS (SELECT min(_n) FILTER (WHERE total) AS t FROM f),
      l AS (SELECT CASE WHEN any_value(t) IS NOT NULL AND coalesce(bool_and(unlabelled OR first) FILTER (WHERE _n > t), true) THEN coalesce(max(_n) FILTER (WHERE (more OR value) AND _n < t), 0) ELSE coalesce(max(_n) FILTER (WHERE more OR value), 0) END AS last FROM f, t)
      SELECT count(*) FILTER (WHERE _n > last AND first) AS footer, count(*) FILTER (WHERE _n > last AND first AND filled) AS whole, count(*) FILTER (WHERE _n > last AND summed) AS totals, any_value(c0) FILTER (WHERE _n > last AND summed) AS total_label, count(*) FILTER (WHERE _n > last) AS tail, count(*) FILTER (WHERE header) AS repeated, count(*) FILTER (WHERE _n <= last AND label) AS labels, count(*) FILTER (WHERE _n <= last AND (label OR section)) AS report, count(*) FILTER (WHERE blank) AS blank, count(*) FILTER (WHERE blank AND _n <= last) AS blank_in, coalesce(bool_or(_n = last AND unlabelled), false) AS bare_last, any_value(last) AS last FROM f, l`)
    .catch(() => [undefined]);
  // The figures of a total without its label (its line of one field, Salesforce's `Grand Totals (400 records)`, is
  // no row of the header's fields): the last row, its first field empty, each figure the sum of its column above.
  // Read again only where the last row's first field is empty (told in the pass above).
  const sumRowFilled = r?.['bare_last'] === true ? await sumRowOf(engine, rows, headers.length, Number(r['last'] ?? 0)) : undefined;
  const sumRow = sumRowFilled !== undefined;
  const last = Number(r?.['last'] ?? 0) - (sumRow ? 1 : 0);
  const footerRows = Number(r?.['footer'] ?? 0) + (sumRow ? 1 : 0);
  // Rows of empty fields only (`,,`: the blank rows Excel and Google Sheets save, after the data or among it) are no
  // rows, as the run drops them. Those after the data (all that follow it without notes) are cut as notes are, the
  // others told by every field.
  const emptyRows = Number(r?.['blank'] ?? 0);
  const emptyAmong = Number(r?.['blank_in'] ?? 0);
  const cut = footerRows > 0 || emptyRows > emptyAmong;
  // A total filling every column: no required column quarantines it.
  const wholeFooterRows = Number(r?.['whole'] ?? 0);
  // Totals with figures (`Total;;41350`, not a label alone on its line), whatever columns they fill: `total_row` sets them aside.
  const totalRows = Number(r?.['totals'] ?? 0);
  const totalLabel = totalRows ? String(r?.['total_label']).trim() : undefined;
  // Rows of empty fields among the notes (`,,,`) go with them: the run drops them as empty rows.
  const tailRows = cut ? Number(r?.['tail'] ?? 0) + (sumRow ? 1 : 0) : 0;
  const repeatedHeaders = headers.length >= 2 ? Number(r?.['repeated'] ?? 0) : 0;
  const reportRows = headers.length >= 3 && Number(r?.['labels'] ?? 0) > 0 ? Number(r?.['report'] ?? 0) : 0;
  const filled = `(c0 IS NOT NULL OR ${filledCount} > 0)`;
  // Of `rows` as above, or of some of their columns (not with rows repeating the header or empty rows, told by all of them).
  const typed = (from: string) => {
    let t = from;
    // The rows before the notes, in file order (a LIMIT, not a window over every column: seconds on millions of rows).
    if (cut) t = `(SELECT * FROM ${from} LIMIT ${Math.max(0, last - skipRows)}${skipRows ? ` OFFSET ${skipRows}` : ''})`;
    else if (skipRows) t = `(SELECT * FROM ${from} OFFSET ${skipRows})`;
    const among = [...(repeatedHeaders ? [`NOT (${repeatsHeader})`] : []), ...(reportRows ? [`NOT ${reportRow}`] : []), ...(emptyAmong ? [filled] : [])];
    return among.length ? `(SELECT * FROM ${t} WHERE ${among.join(' AND ')})` : t;
  };
  return { footerRows, wholeFooterRows, totalRows, ...(totalLabel ? { totalLabel } : {}), tailRows, repeatedHeaders, reportRows, emptyRows, emptyAmong, ...(sumRowFilled ? { sumRowFilled } : {}), typed };
}

/**
 * The fields row `last` of `rows` fills when it is a total without its label (undefined otherwise): its
 * first field empty, a few of its fields filled (at most half), and each of those the sum of its column
 * above it, within 1 % (a rounded total). No row of data is that by chance.
 */
async function sumRowOf(engine: Engine, rows: string, columns: number, last: number): Promise<number[] | undefined> {
  if (last < 3 || columns < 3) return undefined;
  const numbered = (select: string) => `(SELECT row_number() OVER () AS _n, ${select} FROM ${rows})`;
  const [row] = await engine.rows(`SELECT * FROM ${numbered('*')} WHERE _n = ${last}`).catch(() => [undefined]);
  if (!row || row['c0'] != null) return undefined;
  const filled = Array.from({ length: columns }, (_, i) => i).filter((i) => i > 0 && row[`c${i}`] != null);
  if (!filled.length || filled.length * 2 > columns) return undefined;
  // A figure as written in a report: `USD 49,471,547.92`, `1,234`, `(12.50)` aside (not a sum).
  const figure = (v: string) => `TRY_CAST(nullif(regexp_replace(${v}, '[^0-9.-]', '', 'g'), '') AS DOUBLE)`;
  const sums = filled.flatMap((i) => [`sum(${figure(id(`c${i}`))}) FILTER (WHERE _n < ${last}) AS ${id(`s${i}`)}`, `any_value(${figure(id(`c${i}`))}) FILTER (WHERE _n = ${last}) AS ${id(`v${i}`)}`]);
  const [r] = await engine.rows(`SELECT ${sums.join(', ')} FROM ${numbered(filled.map((i) => id(`c${i}`)).join(', '))}`).catch(() => [undefined]);
  const summed = filled.every((i) => {
    const [sum, value] = [r?.[`s${i}`], r?.[`v${i}`]];
    return typeof sum === 'number' && typeof value === 'number' && sum !== 0 && Math.abs(value - sum) <= Math.abs(sum) * 0.01;
  });
  return summed ? filled : undefined;
}

/**
 * The first row's values when it reads as a second header: in two columns or more (and most of those
 * whose other first rows are all numbers, or marks in place of them), a value that is no number above a
 * column of numbers; or in the one column of numbers, when every value of the first row is text.
 */
export async function secondHeader(engine: Engine, rows: string, columns: number): Promise<{ labels: string[]; rows: 1 | 2 } | undefined> {
  // A mark in place of a figure (the Census' `(X)`, `*****`, `-`) is no text in a column of numbers.
  const marks = `[${[...NULL_TOKENS, ...STATISTICS_MARKS].map(str).join(', ')}]`;
  const numeric = (v: string) => `(TRY_CAST(replace(${v}, ',', '') AS DOUBLE) IS NOT NULL OR list_contains(${marks}, ${v}))`;
  const sample = (columns: readonly number[]) => `(SELECT ${columns.map((i) => `${id(`c${i}`)}, `).join('')}row_number() OVER () AS _n FROM (SELECT * FROM ${rows} LIMIT ${SAMPLE_ROWS}))`;
  // Asked of every column in one statement grouped by column, each row on its own (its position told).
  // Qualtrics writes a third header line under its labels, each field the column's import id (`{"ImportId":"QID1"}`):
  // the rows of numbers are then those after it, asked both ways.
  const numbersAfter = (after: number, count: Count) => `bool_and(c IS NULL OR ${numeric('c')}) FILTER (WHERE _n > ${after}) AND ${count(`c IS NOT NULL AND _n > ${after}`)} > 0`;
  const tests = (count: Count) => [
    { name: 'ids', sql: `bool_and(c IS NULL OR starts_with(c, '{"ImportId":')) FILTER (WHERE _n = 2)` },
    { name: 'id', sql: count(`_n = 2 AND starts_with(c, '{"ImportId":')`) },
    { name: 'below1', sql: numbersAfter(1, count) },
    { name: 'below2', sql: numbersAfter(2, count) },
    { name: 'first', sql: `bool_or(c IS NOT NULL AND NOT ${numeric('c')}) FILTER (WHERE _n = 1)` },
    { name: 'v', sql: 'any_value(c) FILTER (WHERE _n = 1)' },
  ];
  const all = Array.from({ length: columns }, (_, i) => i);
  const r = await columnAggregates(engine, all, sample, tests, { keep: '_n' }).catch(() => undefined);
  if (!r || Number(r['n']) < 3) return undefined;
  const described = all.every((i) => r[`ids_${i}`] === true) && Number(r['id_0']) === 1 ? 2 : 1;
  const below = all.filter((i) => r[`below${described}_${i}`] === true);
  const labelled = below.filter((i) => r[`first_${i}`] === true);
  // One column of numbers (a Census table of one figure: `GEO_ID,NAME,P1_001N`) tells it only when the whole first row is labels.
  const labels = all.every((i) => r[`first_${i}`] === true) && labelled.every((i) => /\p{L}/u.test(String(r[`v_${i}`])));
  if ((labelled.length < 2 && !(labelled.length === 1 && labels)) || labelled.length * 2 <= below.length) return undefined;
  return { labels: all.map((i) => String(r[`v_${i}`] ?? '')), rows: described };
}


/**
 * Whether the header line is a row of data (a file without a header): a field of it is a number, and
 * - in two columns or more its text is a value found below it too (UCI's `adult.data`: `39, State-gov,
 *   77516, ...`, `State-gov` a workclass), outside rows repeating the whole line;
 * - or every field is a number, as every value below it is, and they do not name columns (`1,2,3`,
 *   pandas' `,0,1,2`, years): MovieLens' `1::1193::5::978300760`;
 * - or it starts with an integer over a column of numbers, its other numbers are over numbers too and one
 *   of its words is a value below (MovieLens' `1::F::1::10::48067`, `F` a gender).
 * A header's names are not values of their own columns.
 */
export async function headerIsRow(engine: Engine, rows: string, headers: string[]): Promise<boolean> {
  const fields = headers.map((h) => h.trim());
  const isNumber = (f: string) => /^[+-]?[0-9][0-9.,]*$/.test(f);
  if (fields.length < 2 || !fields.some(isNumber)) return false;
  const words = fields.flatMap((f, i) => (f && !isNumber(f) ? [i] : []));
  const numbers = fields.flatMap((f, i) => (isNumber(f) ? [i] : []));
  // The rules on numbers apply to numbers only that do not name columns, or to a line starting with an integer:
  // a World Bank header's 64 years are not looked at below.
  const byNumbers = words.length === 0 ? !counting(numbers.map((i) => Number(fields[i]))) : /^[+-]?[0-9]+$/.test(fields[0]!);
  const found = words.map((i) => `bool_or(${id(`c${i}`)} = ${str(fields[i]!)}) FILTER (WHERE NOT _repeats) AS ${id(`w${i}`)}`);
  const numeric = byNumbers ? numbers.map((i) => `bool_and(${id(`c${i}`)} IS NULL OR regexp_full_match(${id(`c${i}`)}, '[+-]?[0-9][0-9.,]*')) FILTER (WHERE NOT _repeats) AND count(${id(`c${i}`)}) FILTER (WHERE NOT _repeats) > 0 AS ${id(`n${i}`)}`) : [];
  if (words.length < 2 && !byNumbers) return false;
  const repeats = fields.map((f, i) => `${id(`c${i}`)} IS NOT DISTINCT FROM ${f ? str(f) : 'NULL'}`).join(' AND ');
  const [r] = await engine.rows(`SELECT ${[...found, ...numeric].join(', ')} FROM (SELECT *, ${repeats} AS _repeats FROM ${rows})`).catch(() => [undefined]);
  const valuesBelow = words.filter((i) => r?.[`w${i}`] === true).length;
  if (valuesBelow >= 2) return true;
  if (!byNumbers || !numbers.every((i) => r?.[`n${i}`] === true)) return false;
  return words.length === 0 || valuesBelow >= 1;
}

/** Numbers that name columns, not a row's values: counting up or down (`1,2,3`, pandas' `,0,1,2`, `2023,2022,2021`), or years. */
function counting(numbers: number[]): boolean {
  const step = (d: number) => numbers.every((n, i) => i === 0 || n === numbers[i - 1]! + d);
  return step(1) || step(-1) || numbers.every((n) => Number.isInteger(n) && n >= 1900 && n <= 2100);
}
