import type { DatasetSpec } from '../project/types.js';
import { sqlIdent as id, sqlString as str, type Engine } from '../engine/duckdb.js';
import { headerOption, quoteOptions, quotingOf, skipOption } from './csv-header.js';
import { builtinRules, missingCol, missingExpr, raw, rowRules, text, typedExpr, type RowRule } from './row-rules.js';
import { columnRuns, LISTED_ROWS, MISSING_REFS, RULE_REFS, runSteps, runVerdicts, VALUE, type ColumnRun, type Reading } from './column-runs.js';
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
  /** Consecutive columns read alike, judged as one list each (column-runs.ts). */
  runs: ColumnRun[];
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
  /** The file's records (bronze counted them): of few (LISTED_ROWS), runs of columns are read as lists (column-runs.ts). */
  rows?: number;
}

export async function judgedRows(engine: Engine, spec: DatasetSpec, csvPath: string, options: JudgeOptions): Promise<JudgedRows> {
  const names = Object.keys(spec.columns);
  const inFile = new Set(options.header);
  const csvColumns = `{${options.header.map((h) => `${str(h)}: 'VARCHAR'`).join(', ')}}`;
  const rules = rowRules(spec, options.settings ?? {}, options.today ?? new Date().toISOString().slice(0, 10));
  const nulls = nullSpellings(spec);
  // PostgreSQL's text format: a text's escapes are read once it is told apart from the spellings of missing (`\N`).
  const escaped = (t: string) => (spec.backslashEscapes ? unescapedText(t) : t);
  const tabs = spec.delimiter !== '\t';
  // Consecutive columns read alike (a wide file's), judged as one list each (column-runs.ts); the others one by one.
  const reading = (c: string): Reading => {
    const col = spec.columns[c]!;
    return {
      ...(col.type === 'text' ? { text: escaped(trimmedText(VALUE, nulls(c), tabs)) } : {}),
      typed: typedExpr(VALUE, col, VALUE, spec.decimalSeparator),
      missing: missingExpr(c, col, nulls(c), MISSING_REFS),
      rules: builtinRules(spec, c, col, RULE_REFS),
    };
  };
  const runs = columnRuns(names, reading);
  // Read as lists where the file's rows are few; the rows set aside are told apart so whatever their number.
  const listed = options.rows !== undefined && options.rows <= LISTED_ROWS ? runs : [];
  const inRun = new Set(listed.flatMap((r) => r.columns));
  const single = names.filter((c) => !inRun.has(c));
  const steps = runSteps(listed);
  const verdict = verdictExprs(spec, rules, runs.length ? runVerdicts(runs, listed.length > 0) : undefined);
  const textCols = single.filter((c) => spec.columns[c]!.type === 'text');
  // A row fails a rule only if it has a reason (an error rule) or fails a warn or fatal rule: marked
  // while reading, so that the rules are counted over those rows instead of every row.
  const kept = rules.filter((r) => r.severity !== 'error');
  const noted = kept.length ? `coalesce(${kept.map((r) => `(${r.fails})`).join(' OR ')}, false)` : 'false';
  const { readerOption: nullOption, rawValue } = await readNullSpellings(engine, spec, nulls, inFile);
  // Fields written `="0316769487"` (excel_text: true) read as the text inside, before anything else reads them.
  const formulas = names.filter((c) => inFile.has(c) && spec.columns[c]!.excelText);
  const unwrapped = (source: string) => (formulas.length ? `SELECT * REPLACE (${formulas.map((c) => `${excelText(id(c))} AS ${id(c)}`).join(', ')}) FROM (${source})` : source);
  return {
    names,
    rules,
    runs,
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
      SELECT *${[...textCols.map((c) => `${escaped(trimmedText(raw(c), nulls(c), tabs))} AS ${text(c)}`), ...steps.texts].map((e) => `, ${e}`).join('')} FROM raws
    ),
    typed AS (
      SELECT *, ${[...single.map((c) => `${typedExpr(raw(c), spec.columns[c]!, text(c), spec.decimalSeparator)} AS ${id(c)}`), ...steps.typed].join(', ')} FROM texts
    ),
    flagged AS (
      SELECT *, ${[...single.map((c) => `${missingExpr(c, spec.columns[c]!, nulls(c))} AS ${missingCol(c)}`), ...steps.flagged].join(', ')} FROM typed
    ),${listed.length ? `
    opened AS (
      SELECT *, ${steps.opened.join(', ')} FROM flagged
    ),` : ''}
    judged AS (
      SELECT *, ${verdict.code} AS _reason, ${noted} AS _noted FROM ${listed.length ? 'opened' : 'flagged'}
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

/**
 * The first failed `error` rule of a row, as [code, human detail] SQL expressions. A rule of a run of
 * columns judged as one list (`run`, see column-runs.ts) is one WHEN with the others of its run.
 */
export function verdictExprs(spec: DatasetSpec, rules: RowRule[], run?: (r: RowRule) => { index: number; code?: string; detail: string } | undefined): { code: string; detail: string; empty: string } {
  const empty = Object.keys(spec.columns).map(missingCol).join(' AND ');
  const errors = rules.filter((r) => r.severity === 'error');
  const whens = (one: (r: RowRule) => string, ofRun: 'code' | 'detail') => {
    const said = new Set<number>();
    return errors.flatMap((r) => {
      const w = run?.(r);
      const when = w?.[ofRun];
      if (!w || when === undefined) return [one(r)];
      if (said.has(w.index)) return [];
      said.add(w.index);
      return [when];
    });
  };
  return {
    empty,
    code: `CASE WHEN ${empty} THEN 'empty_row' ${whens((r) => `WHEN ${r.fails} THEN ${str(r.code)}`, 'code').join(' ')} END`,
    detail: `CASE WHEN ${empty} THEN 'empty row' ${whens((r) => `WHEN ${r.fails} THEN ${r.detail}`, 'detail').join(' ')} END`,
  };
}
