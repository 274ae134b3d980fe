import { sqlString as str } from '../engine/duckdb.js';

/**
 * CSV injection (OWASP): a spreadsheet opening a CSV the API sends runs a cell starting with `=`, `+`,
 * `-` or `@` as a formula (`=HYPERLINK(...)`, DDE), and a leading tab or carriage return hides one from
 * a glance. Such a cell is sent with a `'` before it, which makes the spreadsheet read it as text. A plain
 * number (`-12.5`, `+3`, `1e-5`) is left as it is: it is read as the number it is, and a sign is no
 * formula. One rule for every CSV the API writes: KPI answers here, explorer downloads in SQL.
 */

/** What a spreadsheet may take for a formula. RE2 (DuckDB) reads these two patterns as JavaScript does. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A number as written in a cell, with a point or a comma before its decimals. */
const PLAIN_NUMBER = /^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$/;

/** The text of a cell as it is safe to send in a CSV. */
export function safeCell(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/** The same rule in DuckDB's SQL, on a VARCHAR expression (NULL stays NULL). */
export function safeCellSql(expression: string): string {
  return `CASE WHEN regexp_matches(${expression}, ${str(FORMULA_START.source)}) AND NOT regexp_matches(${expression}, ${str(PLAIN_NUMBER.source)}) THEN '''' || ${expression} ELSE ${expression} END`;
}

/** Column types whose cells are never text a spreadsheet runs: numbers, booleans, dates and times are written as such. */
const NOT_TEXT = /^(BOOLEAN|U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|FLOAT|DOUBLE|REAL|DECIMAL(\(.*\))?|DATE|TIME(STAMP)?(_(S|MS|NS))?( WITH TIME ZONE)?|UUID)$/i;

/** A column as an explorer download selects it: text (and lists, structs, enums... as text) made safe, other types as they are. */
export function safeColumnSql(column: string, type: string): string {
  return NOT_TEXT.test(type.trim()) ? column : safeCellSql(/^VARCHAR$/i.test(type.trim()) ? column : `CAST(${column} AS VARCHAR)`);
}
