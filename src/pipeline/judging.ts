import type { DatasetSpec } from '../project/types.js';
import { sqlIdent as id, sqlString as str, type Engine } from '../engine/duckdb.js';
import { headerOption, quoteOptions, quotingOf, skipOption } from './csv-header.js';
import { missingCol, missingExpr, raw, rowRules, text, typedExpr, verdictExprs, type RowRule } from './row-rules.js';
import { trimmedText } from './trimmed-text.js';
import { nullSpellings, readNullSpellings } from './null-spellings.js';
import { unescapedText } from './csv-quoting.js';
import { excelText } from './excel-text.js';

/**
 * How silver reads a source file's rows: every field as text, so that no value is lost to a failed
 * cast, then typed and judged by the dataset's declarations. The cleaning (cleaning.ts) stages every
 * judged row; a first load of a clean file (silver/one-pass.ts) writes the rows straight to silver.
 * Both read the file through this one definition, so that they cannot judge a row differently.
 */
export interface JudgedRows {
  names: string[];
  rules: RowRule[];
  verdict: ReturnType<typeof verdictExprs>;
  /** SQL over a judged row: true when it fails a warn or fatal rule (kept, but counted). */
  noted: string;
  /** The file read with every column as text; `options` adds reader options (the rejects tables). */
  reader(options?: string): string;
  /**
   * `WITH source AS (<source>), …, judged AS (…)`: select from `judged` after it. A judged row has the
   * typed columns, their raw text (`_r_<col>`), whether each is missing (`_m_<col>`), its verdict
   * (`_reason`: NULL, or the first failed `error` rule) and `_noted`.
   */
  judged(source: string): string;
}

export interface JudgeOptions {
  /** Names to read the CSV's columns with, in file order: the declared name or `_extra_<n>` (see matchHeader). */
  header: string[];
  /** Values of the settings rules may name (e.g. QUALITY_MAX_MONTANT). */
  settings?: Record<string, number>;
  /** "Today" for date plausibility, YYYY-MM-DD (default: the current UTC day). */
  today?: string;
  /** Bytes of the file's longest record (bronze measured it): the reader's buffer must hold it. */
  longestRecord?: number;
}

export async function judgedRows(engine: Engine, spec: DatasetSpec, csvPath: string, options: JudgeOptions): Promise<JudgedRows> {
  const names = Object.keys(spec.columns);
  const inFile = new Set(options.header);
  const csvColumns = `{${options.header.map((h) => `${str(h)}: 'VARCHAR'`).join(', ')}}`;
  const rules = rowRules(spec, options.settings ?? {}, options.today ?? new Date().toISOString().slice(0, 10));
  const verdict = verdictExprs(spec, rules);
  const textCols = names.filter((c) => spec.columns[c]!.type === 'text');
  // A row fails a rule only if it has a reason (an error rule) or fails a warn or fatal rule: marked
  // while reading, so that the rules are counted over those rows instead of every row.
  const kept = rules.filter((r) => r.severity !== 'error');
  const noted = kept.length ? `coalesce(${kept.map((r) => `(${r.fails})`).join(' OR ')}, false)` : 'false';
  const nulls = nullSpellings(spec);
  // PostgreSQL's text format: a text's escapes are read once it is told apart from the spellings of missing (`\N`).
  const escaped = (t: string) => (spec.backslashEscapes ? unescapedText(t) : t);
  const { readerOption: nullOption, rawValue } = await readNullSpellings(engine, spec, nulls, inFile);
  // Fields written `="0316769487"` (excel_text: true) read as the text inside, before anything else reads them.
  const formulas = names.filter((c) => inFile.has(c) && spec.columns[c]!.excelText);
  const unwrapped = (source: string) => (formulas.length ? `SELECT * REPLACE (${formulas.map((c) => `${excelText(id(c))} AS ${id(c)}`).join(', ')}) FROM (${source})` : source);
  return {
    names,
    rules,
    verdict,
    noted,
    reader: (more = '') => `
      SELECT * FROM read_csv(${str(csvPath)}, ${headerOption(spec)}, auto_detect = false, delim = ${str(spec.delimiter)}, ${quoteOptions(quotingOf(spec))},
        columns = ${csvColumns}${nullOption}${skipOption(spec.skipLines)}${more}, max_line_size = 1048576${bufferOption(options.longestRecord)})`,
    judged: (source) => `
    WITH source AS (${unwrapped(source)}),
    raws AS (
      SELECT ${names.map((c) => `${rawValue(c)} AS ${raw(c)}`).join(', ')} FROM source
    ),
    texts AS (
      SELECT *${textCols.map((c) => `, ${escaped(trimmedText(raw(c), nulls(c), spec.delimiter !== '\t'))} AS ${text(c)}`).join('')} FROM raws
    ),
    typed AS (
      SELECT *, ${names.map((c) => `${typedExpr(raw(c), spec.columns[c]!, text(c), spec.decimalSeparator)} AS ${id(c)}`).join(', ')} FROM texts
    ),
    flagged AS (
      SELECT *, ${names.map((c) => `${missingExpr(c, spec.columns[c]!, nulls(c))} AS ${missingCol(c)}`).join(', ')} FROM typed
    ),
    judged AS (
      SELECT *, ${verdict.code} AS _reason, ${noted} AS _noted FROM flagged
    )`,
  };
}

/**
 * DuckDB's CSV reader buffers 32 MiB by default: a longer line is skipped without a word, where a line
 * over max_line_size but within the buffer goes to the rejects. A larger buffer keeps the invariant
 * that every record is read or rejected.
 */
export function bufferOption(longestRecord: number | undefined): string {
  if (!longestRecord || longestRecord < 16 * 1024 * 1024) return '';
  return `, buffer_size = ${2 ** Math.ceil(Math.log2(longestRecord * 2))}`;
}
