import { sqlString as str, type Engine, type QueryProgress } from '../engine/duckdb.js';
import { quoteOptions, skipOption, type Quoting } from '../pipeline/csv-header.js';

/** Aggregates computed by one statement (see aggregate): 20 columns' worth. */
const AGGREGATES_PER_STATEMENT = 220;

/** A CSV's fields as text, its columns named c0, c1...; a line not of the header's fields is skipped. `headerless`: its first line is a row. */
export function textReader(file: string, delimiter: string, columns: number, skipLines = 0, escape?: Quoting, headerless = false): string {
  return `read_csv(${str(file)}, delim = ${str(delimiter)}${skipOption(skipLines)}, header = ${!headerless}, auto_detect = false, ${quoteOptions(escape)}, max_line_size = 1048576, store_rejects = true, columns = {${Array.from({ length: columns }, (_, i) => `${str(`c${i}`)}: 'VARCHAR'`).join(', ')}})`;
}

/**
 * The aggregates `selects` over `from`, as one row, at most AGGREGATES_PER_STATEMENT a statement: one
 * statement of thousands (a file of 300 columns) took minutes and gigabytes for a 13 KB file.
 */
export async function aggregate(engine: Engine, selects: string[], from: string, onProgress?: (p: QueryProgress) => void): Promise<Record<string, unknown>> {
  const row: Record<string, unknown> = {};
  const parts = Math.ceil(selects.length / AGGREGATES_PER_STATEMENT);
  for (let k = 0; k < parts; k++) {
    const part = selects.slice(k * AGGREGATES_PER_STATEMENT, (k + 1) * AGGREGATES_PER_STATEMENT);
    const progress = onProgress && ((p: QueryProgress) => onProgress({ percent: p.percent === undefined ? undefined : (100 * k + p.percent) / parts }));
    Object.assign(row, (await engine.rows(`SELECT ${part.join(', ')} FROM ${from}`, progress))[0]);
  }
  return row;
}
