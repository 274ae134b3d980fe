import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Engine } from '../engine/duckdb.js';
import { errorMessage } from '../errors.js';
import { bareCrs, copyWithoutBareCrs } from '../pipeline/bare-cr.js';
import { escapesAsMysql } from '../pipeline/csv-quoting.js';
import { inspectHeader } from '../pipeline/csv-header.js';
import { csvLayout } from './layout.js';
import { quotingOfFile } from './infer-quoting.js';
import type { InferredCsv } from './inferred.js';

/** What DuckDB's reader says of a file it stops reading (a CR inside an unquoted field among the causes), at its first rows or later. */
const READER_STOPPED = /CSV Parser state machine reached an invalid state|CSV Error on Line/;

/**
 * `read` of a file's text; when DuckDB's reader stops at a CR inside an unquoted field (bare-cr.ts), of a
 * copy without the records holding one: the columns are typed from the other rows, and `bareCrLines`
 * says how many were left out (the run quarantines them). Looked for only once the reader has stopped:
 * a clean file is read once, as before.
 */
export async function readingAroundBareCrs(engine: Engine, text: string, read: (file: string) => Promise<InferredCsv>): Promise<InferredCsv> {
  try {
    return await read(text);
  } catch (err) {
    if (!READER_STOPPED.test(errorMessage(err))) throw err;
    // Its layout and quoting as the reading found them before it stopped (DuckDB's sniffer aside, which stops too).
    const { delimiter, skipLines } = await csvLayout(text, undefined);
    const columns = (await inspectHeader(text, delimiter, skipLines)).length;
    const { quoting, escape, quote } = await quotingOfFile(engine, text, delimiter, columns, skipLines);
    const scan = await bareCrs(text, { delimiter, quoting: quote ?? escape ?? (escapesAsMysql(quoting) ? '\\' : undefined), skipLines });
    if (!scan.crs.length) throw err;
    const inferred = await read(await copyWithoutBareCrs(text, scan, path.join(engine.temporaryDir ?? os.tmpdir(), `${randomUUID()}.csv`), true));
    return scan.lines.length ? { ...inferred, bareCrLines: scan.lines.length } : inferred;
  }
}
