import type { Engine } from '../engine/duckdb.js';
import { columnAggregates } from './infer-columns.js';
import type { InferredColumn } from './inferred.js';

/** Nines written where a measurement is missing: NOAA's `-9999`, `999.9`, survey codes' `-999`, `99999`. */
const NINES = "[-+]?9{3,5}(\\.0+|\\.9+)?";
/** Other values enough, distinct, to tell a placeholder from a value that happens to be far. */
const MIN_OTHERS = 5;

/**
 * A numeric column writing one run of nines (`-9999`) in two rows or more, far from all of its other
 * values (further than twice their spread) and in fewer rows than half of them, writes it for a missing figure: it becomes the column's
 * own spelling of missing, said beside it, so that a temperature's mean is not pulled to -9999. A nine
 * among values of its own size (a price of 9999 in a list up to 20000) is a value.
 */
export async function ninesForMissing(engine: Engine, columns: InferredColumn[], rows: (columns: readonly number[]) => string): Promise<void> {
  const numeric = columns.flatMap((c, i) => (c.type === 'integer' || c.type === 'number' || c.type === 'decimal' ? [i] : []));
  if (!numeric.length) return;
  // Grouped by column over its distinct fields (see columnAggregates): asked of every column of numbers.
  const text = 'trim(c)';
  const nines = `regexp_full_match(${text}, '${NINES}')`;
  const [number, others] = [`TRY_CAST(${text} AS DOUBLE)`, `FILTER (WHERE NOT ${nines})`];
  const row = await columnAggregates(engine, numeric, rows, (count) => [
    { name: 'n', sql: count(nines) },
    { name: 'spellings', sql: `count(DISTINCT ${text}) FILTER (WHERE ${nines})` },
    { name: 'v', sql: `any_value(${text}) FILTER (WHERE ${nines})` },
    { name: 'lo', sql: `min(${number}) ${others}` },
    { name: 'hi', sql: `max(${number}) ${others}` },
    { name: 'others', sql: count(`NOT ${nines} AND ${number} IS NOT NULL`) },
    { name: 'kinds', sql: `count(DISTINCT ${number}) ${others}` },
  ]);
  for (const i of numeric) {
    const count = Number(row[`n_${i}`]);
    // A few rows of many: a column of two values (11 and 9999, a station's elevation) has no spread to be far from.
    if (count < 2 || Number(row[`spellings_${i}`]) !== 1 || Number(row[`kinds_${i}`]) < MIN_OTHERS || count * 2 > Number(row[`others_${i}`])) continue;
    const spelling = String(row[`v_${i}`]);
    const [value, lo, hi] = [Number(spelling), Number(row[`lo_${i}`]), Number(row[`hi_${i}`])];
    const spread = hi - lo;
    const distance = value < lo ? lo - value : value > hi ? value - hi : 0;
    if (distance <= 2 * spread || distance === 0) continue;
    const c = columns[i]!;
    columns[i] = { ...c, nullValues: [...new Set([...(c.nullValues ?? []), spelling])].sort(), nines: { value: spelling, rows: count }, complete: false, unique: false, ...(c.filled === undefined ? {} : { filled: c.filled - count }) };
  }
}

