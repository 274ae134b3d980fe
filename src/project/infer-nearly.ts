import { sqlIdent as id, type Engine } from '../engine/duckdb.js';
import { aggregate, type Rows } from './infer-sql.js';
import type { InferredColumn } from './inferred.js';
import type { DecimalSeparator } from './types.js';

// Columns that are nearly of a type, or of marks only: what init says, or declares, of them.

/** The type all but a few of a text column's values read as (1 % at most): integer, number, date or timestamp. */
export function nearlyTyped(failing: (test: string) => number, values: number, separator: DecimalSeparator | undefined): InferredColumn['nearly'] {
  const few = Math.max(1, Math.floor(values / 100));
  // Not numbers where some values are zero-padded (`007`): declared so, they would lose their zeros, not be quarantined.
  const readings = failing('zl') > 0 ? ([['date', 'date'], ['ts', 'timestamp']] as const) : ([['int', 'integer'], [separator === ',' ? 'numc' : 'num', 'number'], ['date', 'date'], ['ts', 'timestamp']] as const);
  const best = readings.map(([test, type]) => ({ type, failing: failing(test) })).find((r) => r.failing > 0 && r.failing <= few);
  return best && { type: best.type, failing: best.failing };
}

/**
 * NOAA's `T` among a column's figures, `M` (missing) beside them: a trace of rain or snow, too little to
 * measure, no figure of its own. The type of the figures when the `T`s are all their other values, for
 * the column to read them as missing (a `T` beside `F` alone is a boolean: it is no figure).
 */
export function tracedType(failing: (test: string) => number, values: number, separator: DecimalSeparator | undefined): 'integer' | 'number' | undefined {
  const traces = failing('trace');
  if (!(traces > 0 && traces < values)) return undefined;
  if (failing('int') === traces) return 'integer';
  return failing(separator === ',' ? 'numc' : 'num') === traces ? 'number' : undefined;
}

/**
 * Of the columns nearly of a type, those whose other values are one code without digits (`NR`): more
 * likely a mark of a missing figure than an error, named (`nearly.code`) so that the definition can
 * read it as missing. `value(i)`: column i's value in `source`.
 */
export async function nameCodes(engine: Engine, columns: InferredColumn[], value: (i: number) => string, source: Rows): Promise<void> {
  const nearly = columns.flatMap((c, i) => (c.nearly ? [i] : []));
  const noDigits = (i: number) => `${value(i)} IS NOT NULL AND NOT regexp_matches(${value(i)}, '[0-9]')`;
  // One code: the lowest and the highest the same (no DISTINCT nor FILTER: state of their own per column, megabytes each).
  const coded = (i: number) => `CASE WHEN ${noDigits(i)} THEN ${value(i)} END`;
  const codes = await aggregate(engine, nearly.flatMap((i) => [`min(${coded(i)}) = max(${coded(i)}) AS ${id(`one_${i}`)}`, `count(${coded(i)}) AS ${id(`coded_${i}`)}`, `min(${coded(i)}) AS ${id(`code_${i}`)}`]), source);
  for (const i of nearly) {
    const c = columns[i]!;
    if (codes[`one_${i}`] === true && Number(codes[`coded_${i}`]) === c.nearly!.failing) columns[i] = { ...c, nearly: { ...c.nearly!, code: String(codes[`code_${i}`]) } };
  }
}

/**
 * Columns of marks only, where the file's columns of numbers read the same marks as missing (the World
 * Bank's latest year, all `..`): numbers to come, none published yet; not `***` alone (a masked
 * password). Typed `number` in place, never complete. `row`: the aggregates of the typing (`marks_<i>`,
 * `values_<i>`, `tokens_<i>`).
 */
export function markedNumbers(columns: InferredColumn[], row: Record<string, unknown>): void {
  const figureMarks = new Set(columns.flatMap((c) => (c.type === 'number' || c.type === 'integer' || c.type === 'decimal' ? (c.nullValues ?? []) : [])));
  columns.forEach((c, i) => {
    const marks = typeof row[`marks_${i}`] === 'string' ? String(row[`marks_${i}`]).split('\x01').sort() : [];
    if (c.type === 'text' && Number(row[`values_${i}`]) === 0 && row[`tokens_${i}`] == null && marks.length && marks.every((m) => figureMarks.has(m))) columns[i] = { ...c, type: 'number', nullValues: marks, complete: false, unique: false };
  });
}
