import type { Engine } from '../engine/duckdb.js';
import type { Quoting } from '../pipeline/csv-header.js';
import { escapesAsMysql, escapesAsPostgres, quoteStyle, type QuoteStyle } from '../pipeline/csv-quoting.js';
import { hasQuotedLineBreak } from './layout.js';
import { textReader } from './infer-sql.js';

/** How init reads a file's quotes: the standard's (none of these), MySQL's `\"` (`escape`), none at all (`quote: none`), PostgreSQL's text format (`backslashEscapes`). */
export interface FileQuoting {
  quoting: QuoteStyle;
  escape: '\\' | undefined;
  quote: 'none' | undefined;
  backslashEscapes: boolean;
}

/** The quoting of `file`, of `columns` fields split by `delimiter` after `skipLines` lines, as its quotes and backslashes show it and as reads the more rows. */
export async function quotingOfFile(engine: Engine, file: string, delimiter: string, columns: number, skipLines: number): Promise<FileQuoting> {
  // MySQL writes a quote inside a quoted value as \" rather than "", NULL as \N: read so when that reads as many rows.
  let escape: '\\' | undefined;
  const quoting = await quoteStyle(file, delimiter);
  // Backslashes before other characters (a Windows path) are text, and "" is the standard's escape: not MySQL's.
  const count = (e?: Quoting) => `(SELECT count(*) FROM ${textReader(file, delimiter, columns, skipLines, e)})`;
  if (escapesAsMysql(quoting)) {
    const [r] = await engine.rows(`SELECT ${count('\\')} >= ${count()} AS more`).catch(() => [undefined]);
    if (r?.['more'] === true) escape = '\\';
  }
  // Values never quoted, a `"` a character like any other (IMDb's and many tab-separated exports: `12" Single`):
  // read so when that reads more rows than quotes do, in a tab-separated file. Not in a file whose quotes
  // hold a line break: the lines of such a value read as rows of their own with quotes off.
  let quote: 'none' | undefined;
  if (quoting.quote && delimiter === '\t' && !(await hasQuotedLineBreak(file))) {
    // A quote inside a value (`12" Single`) is no quoting: read with quotes, `"Pauvre Pierrot"` would lose its own.
    const moreRowsUnquoted = async () => (await engine.rows(`SELECT ${count('none')} > ${count(escape)} AS more`).catch(() => []))[0]?.['more'] === true;
    if (quoting.midFieldQuote || (await moreRowsUnquoted())) [quote, escape] = ['none', undefined];
  }
  // PostgreSQL's text format (`COPY ... TO`): no quotes, NULL as \N, a tab in a value as \t, a backslash as \\
  // (quotes off in a file without any: nothing changes for its other values).
  if (!quoting.quote && escapesAsPostgres(quoting)) [quote, escape] = ['none', undefined];
  const backslashEscapes = quote === 'none' && escapesAsPostgres(quoting);
  return { quoting, escape, quote, backslashEscapes };
}
