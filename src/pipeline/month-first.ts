import { sqlIdent as id, sqlString as str, type Engine } from '../engine/duckdb.js';
import type { DatasetSpec } from '../project/types.js';
import { raw } from './row-rules.js';

/** Month-first spellings of a day, with or without a time: what a US export writes. */
const MONTH_FIRST = ['%m/%d/%Y', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M', '%m/%d/%Y %I:%M:%S %p', '%m/%d/%Y %I:%M %p'];
/** The same read day first: a value reading so too fails for another reason (a time in a date column). */
const DAY_FIRST = MONTH_FIRST.map((f) => f.replace('%m/%d', '%d/%m'));

/** Of the dates a file gives a column, the share that must read month first only before the file is taken to write them so. */
const PROVEN_SHARE = 0.2;

/**
 * Why a file must wait whole, when it writes its dates month first where its dataset reads them day
 * first (a date or timestamp column without `format`): its `03/13/2024` fails, while its `03/12/2024`
 * would load as 3 December. Told when a fifth of the file's dates at least (two or more) read month
 * first and not day first, and no date read has a day past 12: a day-first file's typo (`03/13/2024`
 * among days 1 to 11) is one value, quarantined alone. Undefined otherwise. `columns`: those without a
 * format where a date failed (asked only then: this reads every staged row, 70 ms of 2M).
 */
export async function monthFirstDates(engine: Engine, staged: string, spec: DatasetSpec, columns: string[], fileName: string): Promise<{ column: string; message: string } | undefined> {
  // Four digits of a year: `05/01/24` fails for its year, and %Y would read it as the year 24.
  const slashed = (c: string) => `regexp_matches(trim(${raw(c)}), '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}\\b')`;
  const proven = (c: string) => `(${slashed(c)} AND try_strptime(trim(${raw(c)}), [${MONTH_FIRST.map(str).join(', ')}]) IS NOT NULL AND try_strptime(trim(${raw(c)}), [${DAY_FIRST.map(str).join(', ')}]) IS NULL)`;
  const failed = (c: string) => `_reason = ${str(`invalid_date:${c}`)}`;
  const [proofs] = await engine.rows(
    `SELECT ${columns.map((c, i) => `count(*) FILTER (WHERE ${failed(c)} AND ${proven(c)}) AS ${id(`p${i}`)}, count(*) FILTER (WHERE ${failed(c)}) AS ${id(`f${i}`)}, any_value(${raw(c)}) FILTER (WHERE ${failed(c)} AND ${proven(c)}) AS ${id(`v${i}`)}`).join(', ')}
     FROM ${staged} WHERE _reason IN (${columns.map((c) => str(`invalid_date:${c}`)).join(', ')})`,
  );
  for (const [i, column] of columns.entries()) {
    const count = Number(proofs?.[`p${i}`] ?? 0);
    if (count < 2) continue;
    const value = String(proofs![`v${i}`]);
    const [read] = await engine.rows(
      `SELECT max(day(${id(column)})) AS most, count(${id(column)}) AS dates, CASE ${MONTH_FIRST.map((f) => `WHEN try_strptime(trim(${str(value)}), ${str(f)}) IS NOT NULL THEN ${str(f)}`).join(' ')} END AS format FROM ${staged} WHERE _reason IS NULL`,
    );
    const dates = Number(read?.['dates'] ?? 0) + Number(proofs?.[`f${i}`] ?? 0);
    if (Number(read?.['most'] ?? 0) > 12 || count < dates * PROVEN_SHARE) continue;
    const iso = spec.columns[column]!.type === 'date' ? '%Y-%m-%d' : '%Y-%m-%d %H:%M:%S';
    const format = `["${iso}", "${String(read?.['format'] ?? MONTH_FIRST[0])}"]`;
    return {
      column,
      message: `${fileName} writes ${column} month first (${value}, and ${count - 1} more), where datasets/${spec.name}.yml reads it day first: its other dates would load as other days. The whole file waits here. If every file of the dataset writes it month first, declare its formats, e.g. format: ${format}, and the next run reads them all again; if others write it day first, the exports disagree: have them written one way`,
    };
  }
  return undefined;
}
