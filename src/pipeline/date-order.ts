import { sqlIdent as id, sqlString as str, type Engine } from '../engine/duckdb.js';
import type { ColumnSpec, DatasetSpec } from '../project/types.js';
import { raw } from './row-rules.js';
import { dateText } from './trimmed-text.js';

/** Month-first spellings of a day, with or without a time: what a US export writes. */
const MONTH_FIRST = ['%m/%d/%Y', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M', '%m/%d/%Y %I:%M:%S %p', '%m/%d/%Y %I:%M %p'];
/** The same read day first: a value reading so too fails for another reason (a time in a date column). */
const DAY_FIRST = MONTH_FIRST.map((f) => f.replace('%m/%d', '%d/%m'));
const SPELLINGS = { month: MONTH_FIRST, day: DAY_FIRST };
type Order = keyof typeof SPELLINGS;
const OTHER: Record<Order, Order> = { month: 'day', day: 'month' };

/** Of the dates a file gives a column, the share that must read in the other order only before the file is taken to write them so. */
const PROVEN_SHARE = 0.2;

/**
 * Which of day and month a date or timestamp column reads first in slashed dates: day first without
 * `format` (the usual spellings) or with day-first formats only, month first with month-first ones
 * only; undefined with both or neither (nothing to tell apart).
 */
export function slashOrder(column: ColumnSpec): Order | undefined {
  if (column.type !== 'date' && column.type !== 'timestamp') return undefined;
  if (!column.format) return 'day';
  const day = column.format.some((f) => f.includes('%d/%m'));
  const month = column.format.some((f) => f.includes('%m/%d'));
  return day === month ? undefined : day ? 'day' : 'month';
}

/**
 * Why a file must wait whole, when it writes its dates in the other order than its dataset reads them
 * (month first where the column reads day first, or day first where it reads month first): its
 * `03/13/2024` fails, while its `03/12/2024` would load as 3 December. Told when a fifth of the file's
 * dates at least (two or more) read in the other order and not in the column's, or two or more and every
 * date in one month read so, and no date read has a day past 12: a typo (`03/13/2024` among days 1 to 11)
 * is one value, quarantined alone. Undefined
 * otherwise. `columns`: those with a slash order where a date failed (asked only then: this reads every
 * staged row, 70 ms of 2M).
 */
export async function datesInOtherOrder(engine: Engine, staged: string, spec: DatasetSpec, columns: string[], fileName: string): Promise<{ column: string; reason: string; message: string } | undefined> {
  const orderOf = (c: string) => slashOrder(spec.columns[c]!)!;
  // A year of two or four digits: `01/05/24` reads in either order as well (its year aside).
  const slashed = (c: string) => `regexp_matches(trim(${raw(c)}), '^[0-9]{1,2}/[0-9]{1,2}/([0-9]{2}|[0-9]{4})\\b')`;
  const readIn = (c: string, order: Order) => `try_strptime(${dateText(raw(c))}, [${SPELLINGS[order].flatMap((f) => [f, f.replace('%Y', '%y')]).map(str).join(', ')}])`;
  const reads = (c: string, order: Order) => `${readIn(c, order)} IS NOT NULL`;
  const proven = (c: string) => `(${slashed(c)} AND ${reads(c, OTHER[orderOf(c)])} AND NOT ${reads(c, orderOf(c))})`;
  const failed = (c: string) => `_reason = ${str(`invalid_date:${c}`)}`;
  // The month of a proof, read in the other order (year × 12 + month), its lowest and highest.
  const otherMonth = (c: string) => `(year(${readIn(c, OTHER[orderOf(c)])}) * 12 + month(${readIn(c, OTHER[orderOf(c)])}))`;
  const [proofs] = await engine.rows(
    `SELECT ${columns.map((c, i) => `count(*) FILTER (WHERE ${failed(c)} AND ${proven(c)}) AS ${id(`p${i}`)}, count(*) FILTER (WHERE ${failed(c)}) AS ${id(`f${i}`)}, any_value(${raw(c)}) FILTER (WHERE ${failed(c)} AND ${proven(c)}) AS ${id(`v${i}`)}, min(${otherMonth(c)}) FILTER (WHERE ${failed(c)} AND ${proven(c)}) AS ${id(`lo${i}`)}, max(${otherMonth(c)}) FILTER (WHERE ${failed(c)} AND ${proven(c)}) AS ${id(`hi${i}`)}`).join(', ')}
     FROM ${staged} WHERE _reason IN (${columns.map((c) => str(`invalid_date:${c}`)).join(', ')})`,
  );
  for (const [i, column] of columns.entries()) {
    const count = Number(proofs?.[`p${i}`] ?? 0);
    if (count < 2) continue;
    const value = String(proofs![`v${i}`]);
    const order = OTHER[orderOf(column)];
    // %Y reads `24` as the year 24: a year of two digits is %y's.
    const spellings = SPELLINGS[order].map((f) => (/^\d{1,2}\/\d{1,2}\/\d{2}\b/.test(value.trim()) ? f.replace('%Y', '%y') : f));
    const [read] = await engine.rows(
      `SELECT max(day(${id(column)})) AS most, count(${id(column)}) AS dates, min(year(${id(column)}) * 12 + day(${id(column)})) AS lo, max(year(${id(column)}) * 12 + day(${id(column)})) AS hi, CASE ${spellings.map((f) => `WHEN try_strptime(${dateText(str(value))}, ${str(f)}) IS NOT NULL THEN ${str(f)}`).join(' ')} END AS format FROM ${staged} WHERE _reason IS NULL`,
    );
    const dates = Number(read?.['dates'] ?? 0) + Number(proofs?.[`f${i}`] ?? 0);
    // A few proofs among many dates may be typos, unless every date falls in one month read the other way round
    // (a US day's export of 35 rows on 12/11 and 3 on 12/14: all in December, while its 12/11s would load as 12 November).
    const months = [proofs![`lo${i}`], proofs![`hi${i}`], read?.['lo'], read?.['hi']].filter((m) => m !== null && m !== undefined).map(Number);
    const oneMonth = months.length > 0 && Math.min(...months) === Math.max(...months);
    if (Number(read?.['most'] ?? 0) > 12 || (count < dates * PROVEN_SHARE && !oneMonth)) continue;
    const declared = spec.columns[column]!.format;
    const iso = spec.columns[column]!.type === 'date' ? '%Y-%m-%d' : '%Y-%m-%d %H:%M:%S';
    // The declared formats with day and month swapped; without any, the ISO spelling and the file's.
    const formats = declared ? declared.map((f) => f.replace(/%d\/%m|%m\/%d/, (m) => (m === '%d/%m' ? '%m/%d' : '%d/%m'))) : [iso, String(read?.['format'] ?? spellings[0])];
    const format = formats.length === 1 ? JSON.stringify(formats[0]) : `[${formats.map((f) => JSON.stringify(f)).join(', ')}]`;
    return {
      column,
      reason: `dates_${order}_first:${column}`,
      message: `${fileName} writes ${column} ${order} first (${value}, and ${count - 1} more), where datasets/${spec.name}.yml reads it ${OTHER[order]} first: its other dates would load as other days. The whole file waits in quarantine. If every file of the dataset writes it ${order} first, declare format: ${format}, and the next run reads them all again; if others write it ${OTHER[order]} first, the exports disagree: have them written one way`,
    };
  }
  return undefined;
}
