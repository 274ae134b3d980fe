import { sqlIdent as id, sqlString as str, type Engine } from '../engine/duckdb.js';
import type { DatasetSpec } from '../project/types.js';
import { raw } from './row-rules.js';

/** Month-first spellings of a day, with or without a time: what a US export writes. */
const MONTH_FIRST = ['%m/%d/%Y', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M', '%m/%d/%Y %I:%M:%S %p', '%m/%d/%Y %I:%M %p'];

/**
 * Why a file must wait whole, when it writes its dates month first where its dataset reads them day
 * first (a date or timestamp column without `format`): its `03/13/2024` fails, while its `03/12/2024`
 * would load as 3 December. Told when a value that failed reads month first and no date read has a day
 * past 12 (a day-first file with a typo has some). Undefined otherwise. `columns`: those without a
 * format where a date failed (asked only then: this reads every staged row, 70 ms of 2M).
 */
export async function monthFirstDates(engine: Engine, staged: string, spec: DatasetSpec, columns: string[], fileName: string): Promise<{ column: string; message: string } | undefined> {
  // Four digits of a year: `05/01/24` fails for its year, and %Y would read it as the year 24.
  const monthFirst = (c: string) => `CASE WHEN regexp_matches(trim(${raw(c)}), '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}\\b') THEN try_strptime(trim(${raw(c)}), [${MONTH_FIRST.map(str).join(', ')}]) END`;
  const [proofs] = await engine.rows(
    `SELECT ${columns.map((c, i) => `count(*) FILTER (WHERE _reason = ${str(`invalid_date:${c}`)} AND ${monthFirst(c)} IS NOT NULL) AS ${id(`p${i}`)}, any_value(${raw(c)}) FILTER (WHERE _reason = ${str(`invalid_date:${c}`)} AND ${monthFirst(c)} IS NOT NULL) AS ${id(`v${i}`)}`).join(', ')}
     FROM ${staged} WHERE _reason IN (${columns.map((c) => str(`invalid_date:${c}`)).join(', ')})`,
  );
  for (const [i, column] of columns.entries()) {
    if (Number(proofs?.[`p${i}`] ?? 0) === 0) continue;
    const value = String(proofs![`v${i}`]);
    const [days] = await engine.rows(
      `SELECT max(day(${id(column)})) AS most, CASE ${MONTH_FIRST.map((f) => `WHEN try_strptime(trim(${str(value)}), ${str(f)}) IS NOT NULL THEN ${str(f)}`).join(' ')} END AS format FROM ${staged} WHERE _reason IS NULL`,
    );
    if (Number(days?.['most'] ?? 0) > 12) continue;
    // ISO kept first: the dataset's other files may write it.
    const iso = spec.columns[column]!.type === 'date' ? '%Y-%m-%d' : '%Y-%m-%d %H:%M:%S';
    const format = `["${iso}", "${String(days?.['format'] ?? MONTH_FIRST[0])}"]`;
    return {
      column,
      message: `${fileName} writes ${column} month first (${value}, for one), where datasets/${spec.name}.yml reads it day first: its other dates would load as other days. The whole file waits here: declare ${column}'s formats, e.g. format: ${format}, and the next run reads it again`,
    };
  }
  return undefined;
}
