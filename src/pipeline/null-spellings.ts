import { sqlIdent as id, sqlString as str, type Engine } from '../engine/duckdb.js';
import type { ColumnSpec, DatasetSpec, DecimalSeparator } from '../project/types.js';
import { typedExpr } from './row-rules.js';
import { oneOf } from './trimmed-text.js';

/**
 * A dataset's spellings of a missing value (`NA`, `-`, its own per column) as the reader and the
 * judging SQL recognise them; row-rules.ts turns a recognised one into a missing value.
 */

/** Each column's spellings of a missing value, trimmed: its own `null_values`, else the dataset's. */
export function nullSpellings(spec: DatasetSpec): (column: string) => readonly string[] {
  const trimmed = (values: readonly string[]) => [...new Set(values.map((v) => v.trim()))];
  const dataset = trimmed(spec.nullValues);
  const own = new Map(Object.entries(spec.columns).flatMap(([c, col]) => (col.nullValues ? [[c, trimmed(col.nullValues)] as const] : [])));
  return (column) => own.get(column) ?? dataset;
}

/**
 * How a file's null spellings are read: the CSV reader's `nullstr` option (a field spelled exactly as
 * one is NULL, as an empty one is) for the spellings every column of the file has, and each column's
 * raw value. DuckDB refuses a null string holding the delimiter, the quote or the escape (MySQL's `\N`
 * with `escape: backslash`): those spellings are
 * compared on every field, and so are a column's spellings the others lack (its own `null_values`:
 * the reader's option is for every column, and its `force_not_null` turns a matching field into an
 * empty one), and every spelling on a column where a spaced one would type as a value (see
 * spacedSpellingsTyped). A declared column the file lacks (an optional one) reads as missing.
 */
export async function readNullSpellings(
  engine: Engine,
  spec: DatasetSpec,
  nulls: (column: string) => readonly string[],
  inFile: ReadonlySet<string>,
): Promise<{ readerOption: string; rawValue: (column: string) => string }> {
  const read = Object.keys(spec.columns).filter((c) => inFile.has(c));
  const shared = read.length ? nulls(read[0]!).filter((v) => read.every((c) => nulls(c).includes(v))) : [];
  const readerNulls = shared.filter((v) => !v.includes(spec.delimiter) && !v.includes('"') && !/[\r\n]/.test(v) && !(spec.escape && v.includes(spec.escape)));
  const typedColumns = Object.entries(spec.columns).filter(([c, col]) => inFile.has(c) && col.type !== 'text');
  const every = [...new Set(read.flatMap((c) => nulls(c)))];
  const asked = spacedSpellingsTyped(typedColumns, every, spec.decimalSeparator);
  const [spacedTyped] = every.some((v) => v !== '') && typedColumns.length ? await engine.rows(asked.sql) : [];
  return {
    readerOption: readerNulls.length ? `, nullstr = [${[...new Set(['', ...readerNulls])].map(str).join(', ')}]` : '',
    rawValue: (c) => {
      if (!inFile.has(c)) return 'NULL::VARCHAR';
      // The reader's option saw the formula (`="NA"`), not the text inside it: a column of formulas compares every spelling.
      const compared = spacedTyped?.[asked.answer.get(c) ?? c] === true || spec.columns[c]?.excelText ? nulls(c) : nulls(c).filter((v) => !readerNulls.includes(v));
      return compared.length ? `CASE WHEN ${isNullSpelling(id(c), compared)} THEN NULL ELSE ${id(c)} END` : id(c);
    },
  };
}

/**
 * SQL: for each column, whether one of the null spellings with spaces around it (" -", "epoch ",
 * "\u00a0no") types as a value of the column; one row, a boolean per column. The CSV reader turns a
 * field spelled exactly as declared into NULL (its `nullstr`), and a spaced spelling that fails the cast
 * is recognised as missing where the cast failed (missingExpr): comparing every field with the
 * spellings cost 20 % of the cleaning pass on the flights example (nine columns, `null_values: [NA]`).
 * A column where a spaced spelling would type (" - " is 0 as a decimal, " no " false, " epoch " a date)
 * keeps that comparison. Asked of DuckDB itself, with the column's own cast, so no cast's quirk is missed.
 */
export function spacedSpellingsTyped(columns: readonly (readonly [string, ColumnSpec])[], spellings: readonly string[], decimalSeparator?: DecimalSeparator): { sql: string; answer: Map<string, string> } {
  const spaced = spellings.filter((v) => v !== '').flatMap((v) => [` ${v}`, `${v} `, ` ${v} `, `\t${v}\t`, `\u00a0${v}`, `${v}\u00a0`]);
  // Columns read alike (a wide file's 1,000 columns of counts) asked once, under the first one's name: `answer` names it for each.
  const first = new Map<string, string>();
  const answer = new Map(columns.map(([name, spec]) => {
    const reading = typedExpr('v', spec, 'v', decimalSeparator);
    if (!first.has(reading)) first.set(reading, name);
    return [name, first.get(reading)!] as const;
  }));
  const typed = [...first].map(([reading, name]) => `coalesce(bool_or((${reading}) IS NOT NULL), false) AS ${id(name)}`);
  return { sql: `SELECT ${typed.join(', ')} FROM (VALUES ${spaced.map((v) => `(${str(v)})`).join(', ')}) t(v)`, answer };
}

/** Whether a field is one of the null spellings (given trimmed), with or without spaces around it. */
export function isNullSpelling(r: string, spellings: readonly string[]): string {
  // A field that trims to a spelling contains it: looking for it is cheaper than trimming every field.
  return `(${oneOf(r, spellings)} OR ((${spellings.map((v) => `contains(${r}, ${str(v)})`).join(' OR ')}) AND ${oneOf(`trim(${r})`, spellings)}))`;
}

