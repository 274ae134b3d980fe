import { sqlString as str, type Engine } from '../engine/duckdb.js';
import type { DatasetSpec } from '../project/types.js';
import { textChunksOf } from './csv-file.js';
import { headerOption, quotingOf, skipOption, type Quoting } from './csv-header.js';
import { bufferOption } from './judging.js';
import { backslashesBefore } from './record-counter.js';

/**
 * How many lines the CSV reader's numbering of each of `readerLines` (ascending) falls behind an
 * editor's: DuckDB's rejects number a line by the line ends before it outside quotes, so a value with a
 * line break in it (an address, a comment) counts once, and every malformed line after it would be shown
 * too high up. The file is read up to the last line asked for; memory follows the lines asked for.
 *
 * Read as DuckDB reads: the `skipLines` lines before the header count as lines whatever they hold; a
 * quote opens a value only at its start (a line's, or after the delimiter and any spaces: `12" Single`
 * is text); inside, `""` (or `\"` with `escape: backslash`) is a quote of the value, another its end.
 */
export async function linesBehind(file: string, readerLines: readonly number[], quoting: Quoting, delimiter: string, skipLines = 0): Promise<number[]> {
  const behindAt: number[] = [];
  const lastReaderLine = readerLines.at(-1) ?? 0;
  let readerLine = 1;
  let behind = 0;
  const reached = () => {
    while (behindAt.length < readerLines.length && readerLines[behindAt.length]! <= readerLine) behindAt.push(behind);
  };
  if (quoting === 'none') return readerLines.map(() => 0);
  reached();
  const delimiterEnd = delimiter.charCodeAt(delimiter.length - 1);
  let inQuotes = false;
  // Inside quotes, a quote ending the last chunk: the value's end, or the first of `""`.
  let pendingQuote = false;
  let before = 10; // the byte before the chunk (not a space): a line's start at first
  let carried = 0; // backslashes ending the last chunk
  let skipped = 0;
  let first = true;
  for await (const chunk of textChunksOf(file)) {
    // A byte-order mark is no field's first character: a quote after it opens the first value.
    const start = first && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? 3 : 0;
    first = false;
    let i = start;
    if (pendingQuote) {
      pendingQuote = false;
      if (chunk[0] === 34) i = 1;
      else inQuotes = false;
    }
    while (i < chunk.length && readerLine <= lastReaderLine) {
      if (skipped < skipLines) {
        const end = chunk.indexOf(10, i);
        if (end === -1) break;
        skipped++;
        readerLine++;
        reached();
        i = end + 1;
        continue;
      }
      const lineEnd = chunk.indexOf(10, i);
      const quote = chunk.indexOf(34, i);
      if (quote !== -1 && (lineEnd === -1 || quote < lineEnd)) {
        if (!inQuotes) {
          let k = quote - 1;
          while (k >= start && chunk[k] === 32) k--;
          const prev = k >= start ? chunk[k]! : before;
          if (prev === 10 || prev === 13 || prev === delimiterEnd) inQuotes = true;
        } else if (quoting === '\\' && backslashesBefore(chunk, quote, carried) % 2 === 1) {
          // an escaped quote of the value
        } else if (quote + 1 === chunk.length) {
          pendingQuote = true;
        } else if (chunk[quote + 1] === 34) {
          i = quote + 2;
          continue;
        } else inQuotes = false;
        i = quote + 1;
      } else if (lineEnd !== -1) {
        if (inQuotes) behind++;
        else {
          readerLine++;
          reached();
        }
        i = lineEnd + 1;
      } else break;
    }
    for (let k = chunk.length - 1; k >= start; k--) {
      if (chunk[k] !== 32) {
        before = chunk[k]!;
        break;
      }
    }
    carried = backslashesBefore(chunk, chunk.length, carried);
    if (readerLine > lastReaderLine) break;
  }
  // Lines past the end (none, unless the reader and this reading disagree): as far behind as the last.
  while (behindAt.length < readerLines.length) behindAt.push(behind);
  return behindAt;
}

/** Renumbers the rejected lines as an editor numbers the file's lines (see linesBehind), where a value with a line break comes before them. */
export async function numberAsEditors(engine: Engine, rejects: string, lines: string, csvPath: string, spec: DatasetSpec): Promise<void> {
  const readerLines = (await engine.rows(`SELECT DISTINCT line FROM ${rejects} ORDER BY line`)).map((r) => Number(r['line']));
  const behind = await linesBehind(csvPath, readerLines, quotingOf(spec), spec.delimiter, spec.skipLines ?? 0);
  const moved = readerLines.flatMap((line, k) => (behind[k] ? [[line, line + behind[k]!]] : []));
  if (moved.length === 0) return;
  // As two JSON lists bound as parameters: one statement whatever their length.
  await engine.rows(
    `CREATE OR REPLACE TEMP TABLE ${lines} AS SELECT unnest(from_json($1, '["BIGINT"]')) AS reader, unnest(from_json($2, '["BIGINT"]')) AS editor`,
    undefined,
    [JSON.stringify(moved.map(([reader]) => reader)), JSON.stringify(moved.map(([, editor]) => editor))],
  );
  await engine.run(`UPDATE ${rejects} SET line = m.editor FROM ${lines} m WHERE ${rejects}.line = m.reader; DROP TABLE ${lines}`);
}

/**
 * `shifts`: after how many staged rows (a) the k-th rejected line comes. DuckDB numbers a rejected line
 * as the records and the blank lines before it (a quoted line break is no new line); the blank lines are
 * no data rows, so they are counted in a reading of the file's lines (only for a file with a malformed line).
 */
export async function recordShifts(engine: Engine, tables: { shifts: string; rejects: string }, csvPath: string, spec: DatasetSpec, linesBefore: number, longestRecord: number | undefined): Promise<void> {
  // Lines as long as the file's longest record (a field of 100 MiB is quarantined, not a failure).
  const lineSize = Math.max(1048576, (longestRecord ?? 0) + 1024);
  const lines = `read_csv(${str(csvPath)}, ${headerOption(spec)}, auto_detect = false, delim = E'\x1e', quote = '', escape = '', columns = {'line': 'VARCHAR'}, strict_mode = false, max_line_size = ${lineSize}${skipOption(spec.skipLines)}${bufferOption(longestRecord)})`;
  const shiftsFrom = (blanks: string) => `CREATE OR REPLACE TEMP TABLE ${tables.shifts} AS
    WITH blanks AS (${blanks}), r AS (SELECT line, row_number() OVER (ORDER BY line) AS k FROM ${tables.rejects})
    SELECT a, max(k) AS k FROM (SELECT r.line - ${linesBefore} - r.k - (SELECT count(*) FROM blanks b WHERE b.line < r.line) AS a, r.k FROM r) GROUP BY a`;
  // A file the line reader cannot read either (a line past its limit): numbered without its blank lines.
  await engine
    .run(shiftsFrom(`SELECT n + ${linesBefore} AS line FROM (SELECT row_number() OVER () AS n, line AS text FROM ${lines}) WHERE text IS NULL OR trim(text, ' \t\r') = ''`))
    .catch(() => engine.run(shiftsFrom('SELECT 0::BIGINT AS line WHERE false')));
}

/**
 * `rejects` as every non-blank line of the file, with its text, numbered as an editor numbers the lines
 * after the `linesBefore` (the cleaning's quarantine of a whole file): read as lines, quotes and
 * delimiters being none.
 */
export async function fileLinesAsRejects(engine: Engine, tables: { rejects: string; scans: string }, csvPath: string, spec: DatasetSpec, linesBefore: number, error: { kind: string; message: string }, longestRecord: number | undefined): Promise<void> {
  await engine.run(`DROP TABLE IF EXISTS ${tables.rejects}; DROP TABLE IF EXISTS ${tables.scans};
    CREATE TEMP TABLE ${tables.rejects} AS
    SELECT line, ${str(error.kind)} AS error_type, ${str(error.message)} AS error_message, text AS csv_line
    FROM (SELECT (row_number() OVER () + ${linesBefore})::BIGINT AS line, line AS text
      FROM read_csv(${str(csvPath)}, ${headerOption(spec)}, auto_detect = false, delim = E'\x1e', quote = '', escape = '', columns = {'line': 'VARCHAR'},
        strict_mode = false, max_line_size = 1048576${skipOption(spec.skipLines)}${bufferOption(longestRecord)}))
    WHERE text <> '' AND text <> chr(13)`);
}
