import { sqlIdent as id, type Engine } from '../engine/duckdb.js';
import { typedExpr } from '../pipeline/row-rules.js';
import { trimmed } from '../pipeline/trimmed-text.js';
import { filledRows } from './infer-sql.js';
import type { InferredColumn, InferredCsv } from './inferred.js';

/** Rows a series needs before its dates' spacing proves anything: events fall a week apart four times by chance, not seven. */
export const MIN_SERIES_ROWS = 8;

/** Weekdays a trading calendar may skip in a row (Good Friday and Easter Monday, Christmas and Boxing Day). */
const MAX_HOLIDAYS_IN_A_ROW = 2;
/** Of a trading calendar's weekdays, the share that may be holidays: about 10 of 260 a year, a Christmas fortnight's two in a short download. */
const HOLIDAY_SHARE = 0.1;

const isDate = (c: InferredColumn | undefined): c is InferredColumn => c?.type === 'date' || c?.type === 'timestamp';

/** The column a series is of: its first column of dates or times, else its only one; unique and never empty in these files. */
function seriesColumn(csv: InferredCsv): InferredColumn | undefined {
  const dates = csv.columns.filter(isDate);
  const column = isDate(csv.columns[0]) ? csv.columns[0] : dates.length === 1 ? dates[0] : undefined;
  return column?.unique && column.complete ? column : undefined;
}

/**
 * Whether a text column labels nearly every row of a file apart (a statement's `Description`): events, one a day
 * so far, whose next file may hold two of a day, not a period's figures. Text that is figures all the same (two
 * currencies, `1,859`; a code among numbers) labels nothing.
 */
const labelled = (part: InferredCsv) => part.columns.some((c) => c.type === 'text' && c.distinct * 2 > part.rows && !c.amounts && !c.nearly && !c.period && !c.code && !c.dottedId && !c.tooPrecise);

/**
 * The period of a series (`week`, `month`, `trading day`): the step between its dates or times, sorted, when
 * regular. FRED's `observation_date,UNRATE`, Google Trends' `Week`, a step counter's days, a sensor's five
 * minutes: every row one period's figure, so that a download of it again (overlapping the first) replaces
 * the rows of the periods both hold rather than add them again, which would double every sum over them.
 * Regular is:
 * - a constant step (a day, a week, an hour, five minutes);
 * - else calendar months (a month, a quarter, a year apart), on one day of the month or on its last day;
 * - else trading days: weekdays only, a gap skipping two weekdays at most (Good Friday and Easter Monday: five days)
 *   and a tenth of them in all (holidays), nearly every gap a day or a weekend.
 * Events one a day by chance (a statement's charges on the 3rd, 9th, 10th, 17th) are none: their gaps vary, or a
 * text column tells each row apart (their descriptions).
 * Read over every file's rows in one statement, each value as silver reads it (the column's type and format).
 */
export async function seriesPeriod(engine: Engine, csv: InferredCsv, parts: readonly InferredCsv[]): Promise<{ column: string; period: string } | undefined> {
  // Columns named by position are to be renamed: a key naming one would name no column then.
  const column = csv.headerless ? undefined : seriesColumn(csv);
  if (!column || csv.rows < MIN_SERIES_ROWS || parts.some(labelled)) return undefined;
  const spec = { type: column.type, format: column.format ? [column.format] : undefined, required: false, personal: false };
  const branches = parts.map((part) => {
    const i = part.columns.findIndex((c) => c.name === column.name);
    return i < 0 ? undefined : `SELECT ${typedExpr('v', spec, 'v')} AS t FROM (SELECT nullif(${trimmed(id(`c${i}`), part.delimiter !== '\t')}, '') AS v FROM ${filledRows(part)})`;
  });
  if (branches.some((b) => b === undefined)) return undefined;
  // Lines that are no row (a note, a total) read as no date: the column is complete over the rows inference typed.
  const values = `SELECT CAST(t AS TIMESTAMP) AS t FROM (${branches.join(' UNION ALL ')}) WHERE t IS NOT NULL`;
  const months = (t: string) => `(year(${t}) * 12 + month(${t}))`;
  // A weekday's place among weekdays: five a week from a Monday.
  const weekday = (t: string) => `((date_diff('day', DATE '1970-01-05', CAST(date_trunc('week', ${t}) AS DATE)) // 7) * 5 + isodow(${t}) - 1)`;
  const gaps = `SELECT t, epoch(t) - epoch(lag(t) OVER w) AS secs, ${months('t')} - lag(${months('t')}) OVER w AS months, ${weekday('t')} - lag(${weekday('t')}) OVER w - 1 AS skipped
    FROM (${values}) WINDOW w AS (ORDER BY t)`;
  const [row] = await engine.rows(`SELECT count(*) AS n, count(DISTINCT t) AS distinct_values, min(secs) AS step, max(secs) = min(secs) AS constant,
    min(months) AS month_step, max(months) = min(months) AS monthly, min(day(t)) = max(day(t)) OR bool_and(CAST(t AS DATE) = last_day(t)) AS one_day,
    min(CAST(t AS TIME)) = max(CAST(t AS TIME)) AS one_time, bool_and(isodow(t) <= 5) AS weekdays, max(skipped) AS most_skipped, sum(skipped) AS holidays
    FROM (${gaps})`);
  const n = Number(row?.['n']);
  if (n < MIN_SERIES_ROWS || Number(row?.['distinct_values']) !== n) return undefined;
  const said = (period: string) => ({ column: column.name, period });
  const step = Number(row?.['step']);
  if (row?.['constant'] === true && step > 0) return said(stepSaid(step));
  // Calendar periods and trading days are of dates: a time of day the same on every row.
  if (row?.['one_time'] !== true) return undefined;
  const monthStep = Number(row?.['month_step']);
  if (row?.['monthly'] === true && monthStep > 0 && row?.['one_day'] === true) return said(monthsSaid(monthStep));
  const trading = row?.['weekdays'] === true && Number(row?.['most_skipped']) <= MAX_HOLIDAYS_IN_A_ROW && Number(row?.['holidays']) <= Math.max(MAX_HOLIDAYS_IN_A_ROW, Math.floor(n * HOLIDAY_SHARE));
  return trading ? said('trading day') : undefined;
}

/** A step of seconds as a period: `day`, `week`, `hour`, `5 minutes`, `3 days`. */
function stepSaid(seconds: number): string {
  const units: [number, string][] = [[604800, 'week'], [86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];
  const [size, unit] = units.find(([size]) => seconds % size === 0) ?? [1, 'second'];
  return seconds === size ? unit : `${seconds / size} ${unit}s`;
}

/** Months apart as a period: `month`, `quarter`, `half-year`, `year`, `2 years`, `2 months`. */
function monthsSaid(months: number): string {
  const named: Record<number, string> = { 1: 'month', 3: 'quarter', 6: 'half-year', 12: 'year' };
  return named[months] ?? (months % 12 === 0 ? `${months / 12} years` : `${months} months`);
}
