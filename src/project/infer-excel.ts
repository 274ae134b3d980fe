import fs from 'node:fs/promises';
import { sqlIdent as id, type Engine } from '../engine/duckdb.js';
import { excelShaped } from '../pipeline/excel-text.js';

/** Rows looked at for Excel formulas of text, and bytes of the file searched for one first. */
const FIRST_ROWS = 1_000;
const FIRST_BYTES = 1 << 20;

/**
 * The columns (by position) of `reader` (fields `c<i>`) whose values are written as Excel formulas of text in its first
 * rows (`="0316769487"`, `=""`: Goodreads' ISBNs, banks' account numbers), and no other formula (`=A1+1`). init types
 * them from the text inside the quotes, and declares them `excel_text: true`, so that silver reads them so (excel-text.ts).
 * Asked of DuckDB only where the start of `file` holds a `="`: nearly no file does.
 */
export async function excelColumns(engine: Engine, file: string, reader: string, columns: number): Promise<Set<number>> {
  const handle = await fs.open(file, 'r');
  const start = await handle.read(Buffer.alloc(FIRST_BYTES), 0, FIRST_BYTES, 0).finally(() => handle.close());
  if (!columns || !start.buffer.subarray(0, start.bytesRead).includes('="')) return new Set();
  const ks = Array.from({ length: columns }, (_, i) => i);
  const sideBySide = `SELECT unnest([${ks.join(', ')}]) AS k, unnest([${ks.map((i) => id(`c${i}`)).join(', ')}]) AS c FROM (SELECT * FROM ${reader} LIMIT ${FIRST_ROWS})`;
  const rows = await engine.rows(`SELECT k FROM (${sideBySide}) WHERE starts_with(c, '=') GROUP BY k HAVING bool_and(${excelShaped('c')})`);
  return new Set(rows.map((r) => Number(r['k'])));
}
