import fs from 'node:fs/promises';
import { sqlString as str, type Engine } from '../engine/duckdb.js';
import type { DatasetSpec } from '../project/types.js';
import { quotingOf } from './csv-header.js';
import { SCRATCH_PARQUET } from './merge.js';
import { wideLines, type WideScan } from './wide-lines.js';
import { BARE_CR_MESSAGE, type CrLine } from './bare-cr.js';

/**
 * The lines of a file wider than its rows that the cleaning's reader read as rows (see wide-lines.ts),
 * moved from its staged rows to its rejects: quarantined as too many columns with their line and text,
 * as the reader's own rejected lines are. Looked for only in a file with records ending with an empty
 * field: `endsWithDelimiter`, as bronze counted them (undefined: not counted, the file is read for them).
 *
 * A line's row is found by its place: its record number less the rejected lines before it. That holds
 * when the reader and the scan read the same records; when they do not count as many, no row can be
 * told, and the whole file is quarantined line by line instead (`quarantineWhole`).
 * Whether the rows or the rejects changed.
 */
export async function rejectWideLines(
  engine: Engine,
  tables: { rejects: string; stagedFile: string },
  csvPath: string,
  spec: DatasetSpec,
  options: { header: readonly string[]; endsWithDelimiter?: number | undefined },
  read: { parsed: number; rejected: number },
  quarantineWhole: (message: string) => Promise<void>,
): Promise<boolean> {
  if (options.endsWithDelimiter === 0 || read.parsed === 0) return false;
  const scan = await wideLinesOf(csvPath, spec, options.header.length);
  if (!scan.lines.length) return false;
  if (scan.records !== read.parsed + read.rejected) {
    await quarantineWhole(`lines of this file hold more fields than its rows, the last ones empty (a value holding the delimiter, not quoted?), and its ${read.parsed + read.rejected} rows read cannot be matched with its ${scan.records} records: every line is kept here`);
    return true;
  }
  const moved = await movedRows(engine, tables.rejects, scan.lines);
  if (!moved.length) return false;
  await moveToRejects(engine, tables, moved.map((m) => ({ ...m, type: 'TOO MANY COLUMNS', message: `Expected Number of Columns: ${scan.width} Found: ${m.fields}, the last ${m.fields - scan.width > 1 ? `${m.fields - scan.width} ` : ''}empty, which the reader would drop (a value holding the delimiter, not quoted?)` })));
  return true;
}

/**
 * Rows the cleaning's reader read from the copy of a file with a space for each CR inside an unquoted
 * field (bare-cr.ts), moved to its rejects: quarantined as `malformed_line:bare_carriage_return` with
 * their line and text as written, CR included. One the reader rejected for another reason (its fields
 * run together past the CR, `1,Alice,x<CR>2,Bob,y`) is said so too, with its text as written.
 */
export async function rejectBareCrLines(engine: Engine, tables: { rejects: string; stagedFile: string }, lines: readonly CrLine[]): Promise<void> {
  // The reader's type of error is an ENUM of its own kinds: this one is none of them.
  await engine.run(`ALTER TABLE ${tables.rejects} ALTER error_type TYPE VARCHAR`);
  const said = { type: 'BARE CARRIAGE RETURN', message: BARE_CR_MESSAGE };
  const moved = await movedRows(engine, tables.rejects, lines, said);
  await moveToRejects(engine, tables, moved.map((m) => ({ ...m, ...said })));
}

/**
 * Of `lines` (ascending), those the reader read as rows, with their row in the staged file: their place
 * among the records less the lines rejected before them. One it rejected is no row: left as rejected,
 * or, given `restate`, rejected for that reason, with its text as written.
 */
async function movedRows<L extends { record: number; line: number; text: string }>(engine: Engine, rejects: string, lines: readonly L[], restate?: { type: string; message: string }): Promise<(L & { row: number })[]> {
  const rejected = (await engine.rows(`SELECT DISTINCT line FROM ${rejects} ORDER BY line`)).map((r) => Number(r['line']));
  const moved: (L & { row: number })[] = [];
  const restated: L[] = [];
  let before = 0;
  for (const l of lines) {
    while (before < rejected.length && rejected[before]! < l.line) before++;
    if (rejected[before] !== l.line) moved.push({ row: l.record - before, ...l });
    else if (restate) restated.push(l);
  }
  if (restate && restated.length) {
    await engine.rows(
      `UPDATE ${rejects} SET error_type = ${str(restate.type)}, error_message = ${str(restate.message)}, csv_line = r.text
       FROM (SELECT unnest(from_json($1, '["UBIGINT"]')) AS line, unnest(from_json($2, '["VARCHAR"]')) AS text) r WHERE ${rejects}.line = r.line`,
      undefined,
      [JSON.stringify(restated.map((l) => l.line)), JSON.stringify(restated.map((l) => l.text))],
    );
  }
  return moved;
}

/** Rows of the staged file moved to the rejects, each as a rejected line of its type, message and text. */
async function moveToRejects(engine: Engine, tables: { rejects: string; stagedFile: string }, moved: readonly { row: number; line: number; begin: number; text: string; type: string; message: string }[]): Promise<void> {
  if (!moved.length) return;
  // The staged rows again without them, in their order: the rows after one are numbered one less, as after a line the reader rejected.
  const rewritten = `${tables.stagedFile}.moved.parquet`;
  await engine.copyInOrder(`COPY (SELECT * EXCLUDE (file_row_number) FROM read_parquet(${str(tables.stagedFile)}, file_row_number = true)
    WHERE file_row_number NOT IN (SELECT unnest([${moved.map((m) => m.row).join(', ')}]::BIGINT[])) ORDER BY file_row_number) TO ${str(rewritten)} (FORMAT parquet, ${SCRATCH_PARQUET})`);
  await fs.rename(rewritten, tables.stagedFile);
  // Their text bound as parameters, never written into the SQL.
  await engine.rows(
    `INSERT INTO ${tables.rejects} (line, byte_position, error_type, csv_line, error_message)
     SELECT unnest(from_json($1, '["UBIGINT"]')), unnest(from_json($2, '["UBIGINT"]')), unnest(from_json($3, '["VARCHAR"]')), unnest(from_json($4, '["VARCHAR"]')), unnest(from_json($5, '["VARCHAR"]'))`,
    undefined,
    [JSON.stringify(moved.map((m) => m.line)), JSON.stringify(moved.map((m) => m.begin)), JSON.stringify(moved.map((m) => m.type)), JSON.stringify(moved.map((m) => m.text)), JSON.stringify(moved.map((m) => m.message))],
  );
}

/** The lines of a file of `spec` wider than its rows, read with `columns` columns (the header's fields). */
export function wideLinesOf(csvPath: string, spec: DatasetSpec, columns: number): Promise<WideScan> {
  return wideLines(csvPath, { columns, delimiter: spec.delimiter, quoting: quotingOf(spec), skipLines: spec.skipLines, headerless: spec.headerless });
}
