import { sqlIdent as id, sqlString as str, type Engine, type QueryProgress } from '../engine/duckdb.js';
import { quoteOptions, skipOption, type Quoting } from '../pipeline/csv-header.js';
import { trimmed } from '../pipeline/trimmed-text.js';
import type { InferredCsv } from './inferred.js';

/** Aggregates computed by one statement (see aggregate): 20 columns' worth. */
const AGGREGATES_PER_STATEMENT = 220;

/** A CSV's fields as text, its columns named c0, c1...; a line not of the header's fields is skipped. `headerless`: its first line is a row. */
export function textReader(file: string, delimiter: string, columns: number, skipLines = 0, escape?: Quoting, headerless = false): string {
  return `read_csv(${str(file)}, delim = ${str(delimiter)}${skipOption(skipLines)}, header = ${!headerless}, auto_detect = false, ${quoteOptions(escape)}, max_line_size = 1048576, store_rejects = true, columns = {${Array.from({ length: columns }, (_, i) => `${str(`c${i}`)}: 'VARCHAR'`).join(', ')}})`;
}

/**
 * The rows of a file init read (infer.ts), its fields as text: textReader's, without the rows of empty fields only
 * (`,,`, blank rows a spreadsheet saved) where it found some, as the run drops them. Read by the key tests (infer-key.ts).
 */
export function filledRows(csv: InferredCsv): string {
  const reader = textReader(csv.text, csv.delimiter, csv.columns.length, csv.skipLines, csv.quote ?? csv.escape, csv.headerless);
  if (!csv.emptyRows) return reader;
  const fields = csv.columns.map((_, i) => `nullif(${trimmed(id(`c${i}`), csv.delimiter !== '\t')}, '')`);
  return `(SELECT * FROM ${reader} WHERE coalesce(${fields.join(', ')}) IS NOT NULL)`;
}

/**
 * Rows to aggregate: a FROM clause, or one made for the columns a statement reads (`"c<i>"`, `"v<i>"`),
 * so that a statement over 20 columns of a file of 1,000 does not carry the other 980's expressions
 * (JHU's 1,143 columns: statements of 250 KB each, gigabytes to plan, the process killed).
 */
export type Rows = string | ((columns: readonly number[]) => string);

/** The columns `selects` read, by their names `"c<i>"` and `"v<i>"`. */
function columnsRead(selects: readonly string[]): number[] {
  const found = new Set<number>();
  for (const s of selects) for (const m of s.matchAll(/"[cv](\d+)"/g)) found.add(Number(m[1]));
  return [...found].sort((a, b) => a - b);
}

/**
 * The aggregates `selects` over `from`, as one row, at most AGGREGATES_PER_STATEMENT a statement: one
 * statement of thousands (a file of 300 columns) took minutes and gigabytes for a 13 KB file.
 */
export async function aggregate(engine: Engine, selects: string[], from: Rows, onProgress?: (p: QueryProgress) => void): Promise<Record<string, unknown>> {
  const row: Record<string, unknown> = {};
  const parts = Math.ceil(selects.length / AGGREGATES_PER_STATEMENT);
  for (let k = 0; k < parts; k++) {
    const part = selects.slice(k * AGGREGATES_PER_STATEMENT, (k + 1) * AGGREGATES_PER_STATEMENT);
    const progress = onProgress && ((p: QueryProgress) => onProgress({ percent: p.percent === undefined ? undefined : (100 * k + p.percent) / parts }));
    Object.assign(row, (await engine.rows(`SELECT ${part.join(', ')} FROM ${typeof from === 'string' ? from : from(columnsRead(part))}`, progress))[0]);
  }
  return row;
}
