import fs from 'node:fs/promises';
import path from 'node:path';
import type { DatasetSpec, Severity } from '../project/types.js';
import { Engine, sqlIdent as id, sqlString as str, type QueryProgress } from '../engine/duckdb.js';
import { duplicateKeyCode, missingCol, raw } from './row-rules.js';
import { judgedRows, type JudgedRows, type JudgeOptions } from './judging.js';
import { bareCrCopy } from './bare-cr.js';
import { fileLinesAsRejects, numberAsEditors, recordShifts } from './reader-lines.js';
import { rejectBareCrLines, rejectWideLines } from './wide-rejects.js';
import { datesInOtherOrder, slashOrder } from './date-order.js';
import { optionHints, type OptionHints } from './option-hints.js';
import { errorMessage, QualityError } from '../errors.js';
import { SCRATCH_PARQUET } from './merge.js';
import { totalRowVerdict } from './total-rows.js';
import { ruleChecks } from './rule-checks.js';
import { duplicateRows } from './duplicates.js';

/**
 * Silver cleaning of one source file, as named SQL steps: read (all text, malformed lines set aside) → trim → drop
 * empty rows → type and validate → drop exact duplicates / quarantine later rows of a key → write the quarantine.
 * Nothing is dropped without a count: exact duplicates and empty rows are counted, every other rejected row lands
 * in the quarantine file with its reason. The valid rows stay in DuckDB for the merge into silver (merge.ts).
 */

export interface CleaningStats extends OptionHints {
  dataset: string;
  rowsIn: number;
  rowsOut: number;
  quarantined: number;
  emptyRows: number;
  exactDuplicates: number;
  /** Quarantined rows per reason code, e.g. { "invalid_date:date_achat": 3 }. */
  reasons: Record<string, number>;
  // And (OptionHints) the rows set aside that an option would read: the summary names it.
}

export interface CleaningResult {
  stats: CleaningStats;
  quality: QualityCheck[];
  /** A DuckDB view of the valid rows: the dataset's columns plus `_record` (their order in the file: the data row number but for the malformed lines before it, which quarantine numbers count). */
  validRelation: string;
  /** The rejected rows, written only when there are some. */
  quarantineFile?: string;
  /** Read on one thread, as Engine.copyInOrder falls back to (same rows, slower): the run warns. */
  oneThread: boolean;
  /** Every line of the file was quarantined with CleanOptions.waitWhole's reason: why the file waits (its detail). */
  waitsWhole?: string;
  /** Drops the temporary tables behind `validRelation`. */
  dispose(): Promise<void>;
}

/** Verdicts that carry no information worth keeping: counted, not quarantined. */
const DROPPED_VERDICTS = ['exact_duplicate', 'empty_row'];
const DROPPED = `(${DROPPED_VERDICTS.map(str).join(', ')})`;

export interface CleanOptions extends JudgeOptions {
  /** Name of the source file (its bronze key), recorded in quarantine rows. */
  sourceName: string;
  outDir: string;
  /** Distinguishes the temporary tables of files cleaned in the same session. */
  tag?: string;
  /** The records bronze counted: a reading that accounts for fewer quarantines the whole file instead. */
  expectedRecords?: number;
  /** Of them, those bronze found ending with the delimiter (or `""`): with none, no line can be wider than the rows (wide-rejects.ts); undefined, looked for. */
  endsWithDelimiter?: number;
  onProgress?: (p: QueryProgress) => void;
  /** Quarantine every line of the file with this reason and detail, reading none as rows (a file found to write its dates month first). */
  waitWhole?: { reason: string; detail: string };
}

/** One line of the quality report: a rule on a dataset, how many rows it checked and failed, a few examples. */
export interface QualityCheck {
  dataset: string;
  rule: string;
  column?: string;
  severity: Severity;
  checked: number;
  failed: number;
  examples: { record: number | null; value: string | null; detail: string | null }[];
}

export async function cleanDataset(engine: Engine, spec: DatasetSpec, csvPath: string, options: CleanOptions): Promise<CleaningResult> {
  const n = spec.name;
  const t = `${n}${options.tag ?? ''}`;
  const staged = id(`staged_${t}`);
  const rejects = id(`rejects_${t}`);
  const scans = id(`scans_${t}`);
  const dups = id(`dups_${t}`);
  const checked = id(`checked_${t}`);
  const shifts = id(`shifts_${t}`);
  const valid = id(`valid_${t}`);
  const judging = await judgedRows(engine, spec, csvPath, options);
  const { names, rules, verdict } = judging;
  // Step 1 — read every field as text so that no value is lost to a failed cast, then type and judge it.
  // Lines the CSV parser cannot split (bad quoting, wrong field count, bad encoding) go to the rejects table.
  // The judged rows stream to a Parquet file in file order, not into a table: a table of 10M rows with its
  // raw-text columns outgrows DuckDB's memory limit and spills, where the file keeps memory flat and
  // costs nothing for the columns that are empty on good rows. Its `file_row_number` is the data row.
  const stagedFile = path.join(options.outDir, `${t}.staged.parquet`);
  const stage = async (source: string) => {
    await engine.run(`DROP VIEW IF EXISTS ${staged}`);
    // "First row of a key wins" and every reported data row number rely on the file keeping the source's row order.
    const { oneThread } = await engine.copyInOrder(
      `
    COPY (${judging.judged(source)}
    SELECT ${names.map((c) => id(c)).join(', ')}, _reason, _noted, ${names.map(missingCol).join(', ')},
      -- Raw text is only worth keeping for quarantined rows, and in one list column: a column per field,
      -- empty on every good row, still cost the writer ~15 % of this statement on a nine-column file.
      CASE WHEN _reason IS NOT NULL THEN [${names.map(raw).join(', ')}] END AS _raw
    FROM judged
    ) TO ${str(stagedFile)} (FORMAT parquet, ${SCRATCH_PARQUET})`,
      options.onProgress,
    );
    await engine.run(
      `CREATE OR REPLACE TEMP VIEW ${staged} AS SELECT * EXCLUDE (file_row_number, _raw), ${names.map((c, i) => `_raw[${i + 1}] AS ${raw(c)}`).join(', ')}, file_row_number AS _row FROM read_parquet(${str(stagedFile)}, file_row_number = true)`,
    );
    return oneThread;
  };
  // The lines before the first data row: the skipped ones and the header (none with `header: false`).
  const linesBefore = (spec.headerless ? 0 : 1) + (spec.skipLines ?? 0);
  // Every line quarantined as the file's lines, numbered as an editor does (not as the CSV reader does).
  let wholeFile = false;
  /**
   * The whole file to quarantine, one row per non-blank line with its text: for the byte soups that
   * stop DuckDB's CSV parser altogether, and for files whose reading does not account for every record
   * bronze counted (malformed quoting can swallow lines into a rejected one). Never fewer rows than
   * records, so nothing is lost and nothing blocks later runs.
   */
  const quarantineWholeFile = async (message: string, kind = 'unparseable file') => {
    await fileLinesAsRejects(engine, { rejects, scans }, csvPath, spec, linesBefore, { kind, message }, options.longestRecord);
    wholeFile = true;
    await stage(`SELECT ${options.header.map((h) => `NULL::VARCHAR AS ${id(h)}`).join(', ')} WHERE false`);
  };
  const readCounts = async () => {
    const [counts] = await engine.rows(`SELECT (SELECT count(*) FROM ${staged}) AS parsed, (SELECT count(*) FROM ${rejects}) AS rejected`);
    return { parsed: Number(counts!['parsed']), rejected: Number(counts!['rejected']) };
  };
  // Only the file's own reading counts: the whole-file quarantine stages no row.
  let oneThread = false;
  if (options.waitWhole) await quarantineWholeFile(options.waitWhole.detail, options.waitWhole.reason);
  else {
    const read = async (reading: JudgedRows) => {
      await engine.run(`DROP TABLE IF EXISTS ${rejects}; DROP TABLE IF EXISTS ${scans};`);
      oneThread = await stage(reading.reader(`, store_rejects = true, rejects_table = ${str(`rejects_${t}`)}, rejects_scan = ${str(`scans_${t}`)}`));
      // A short line of spaces is a blank line, no record (as bronze counts: see RecordCounter), which the reader
      // rejects, and twice (one field found, then two). Another line is one record, quarantined once.
      await engine.run(`DELETE FROM ${rejects} WHERE (trim(csv_line, ' \t\r\n') = '' AND length(csv_line) <= 64) OR rowid IN (SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY line ORDER BY byte_position, rowid) AS k FROM ${rejects}) WHERE k > 1)`);
    };
    const refused = (err: unknown) => (/CSV Parser state machine reached an invalid state/.test(errorMessage(err)) ? false : Promise.reject(err));
    if (!(await read(judging).then(() => true, refused))) {
      // A CR inside an unquoted field stops the reader (bare-cr.ts): a copy with a space for each is read, and read from then on, the rows holding one rejected.
      const copy = await bareCrCopy(csvPath, spec, `${stagedFile}.cr.csv`);
      if (copy && (await read(await judgedRows(engine, spec, copy.file, options)).then(() => true, refused))) {
        csvPath = copy.file;
        await rejectBareCrLines(engine, { rejects, stagedFile }, copy.lines);
      } else await quarantineWholeFile('the CSV parser cannot read this file (bad quoting or binary data)');
    }
  }
  let { parsed, rejected } = await readCounts();
  if (options.expectedRecords !== undefined && parsed + rejected < options.expectedRecords) {
    await quarantineWholeFile(`the CSV reader accounted for ${parsed + rejected} of the ${options.expectedRecords} records of this file (bad quoting?): every line is kept here`);
    ({ parsed, rejected } = await readCounts());
  }
  // Lines wider than the rows, read as rows (the reader takes their empty last fields for trailing delimiters): rejected as too many columns.
  if (!wholeFile && (await rejectWideLines(engine, { rejects, stagedFile }, csvPath, spec, options, { parsed, rejected }, (m) => quarantineWholeFile(m)))) ({ parsed, rejected } = await readCounts());
  const total = wholeFile ? undefined : await totalRowVerdict(engine, staged, spec);

  // Step 2 — duplicates among valid rows (duplicates.ts): with a key, later rows of a key; without, rows equal in every column.
  const keysDistinct = await duplicateRows(engine, spec, staged, dups);

  // A malformed line is no row of the staged file, yet a data row of the file: the rows after it are
  // numbered past it, where the numbers are shown (quarantine, details, examples).
  await engine.run(`DROP TABLE IF EXISTS ${shifts}`);
  if (rejected > 0) await recordShifts(engine, { shifts, rejects }, csvPath, spec, linesBefore, options.longestRecord);
  if (rejected > 0 && !wholeFile) await numberAsEditors(engine, rejects, id(`lines_${t}`), csvPath, spec);
  const recordOf = (row: string) => (rejected > 0 ? `(${row} + 1 + coalesce((SELECT max(k) FROM ${shifts} WHERE a <= ${row}), 0))` : `(${row} + 1)`);
  const keyText = spec.key.map((k) => `CAST(s.${id(k)} AS VARCHAR)`).join(` || ', ' || `);
  // Keys known distinct: no duplicate to name and no table to join. (Even a cross join with one row of
  // NULLs cost each read of this view a pass over every row: 0.1 s of silver's write at 10M rows.)
  const duplicateVerdicts = keysDistinct ? '' : `WHEN d._kind = 'exact' THEN 'exact_duplicate' WHEN d._kind = 'key' THEN ${str(duplicateKeyCode(spec))}`;
  const duplicateDetail =
    keysDistinct || !spec.key.length ? '' : `WHEN d._kind = 'key' THEN ${str(`${spec.key.join(', ')} `)} || ${keyText} || ' already seen in data row ' || ${recordOf('d._first_rid')}`;
  await engine.run(`
    CREATE OR REPLACE TEMP VIEW ${checked} AS
    SELECT s.*, s._row + 1 AS _record,
      CASE ${total?.code ?? ''} WHEN s._reason IS NOT NULL THEN s._reason ${duplicateVerdicts} END AS _verdict,
      -- The detail is written here, not while reading: only the quarantine reads it, for its few rows.
      CASE ${total?.detail ?? ''} WHEN s._reason IS NOT NULL THEN ${verdict.detail} ${duplicateDetail} END AS _verdict_detail
    FROM ${staged} s ${keysDistinct ? '' : `LEFT JOIN ${dups} d ON d._rid = s._row`};
  `);

  // Rows per verdict; then every row rule on its own over the non-empty rows (a row can fail several)
  // for the quality report, among the rows that can fail one.
  const mayFail = '_reason IS NOT NULL OR _noted';
  const verdictRows = await engine.rows(`SELECT _verdict AS reason, count(*) AS n, count(*) FILTER (WHERE ${mayFail}) AS may_fail FROM ${checked} GROUP BY ALL`);
  const byVerdict = new Map(verdictRows.map((r) => [r['reason'] as string | null, Number(r['n'])]));
  // Dates that failed where the dataset reads them in one order, asked of the file only then: it may write them in the other.
  const failedDates = Object.entries(spec.columns).flatMap(([c, col]) => (slashOrder(col) && byVerdict.has(`invalid_date:${c}`) ? [c] : []));
  const otherOrder = failedDates.length && !options.waitWhole ? await datesInOtherOrder(engine, staged, spec, failedDates, options.sourceName.split('/').at(-1)!) : undefined;
  if (otherOrder) return cleanDataset(engine, spec, csvPath, { ...options, waitWhole: { reason: otherOrder.reason, detail: otherOrder.message } });
  const failing = `(${mayFail}) AND NOT (${verdict.empty})`;
  const rowsOut = byVerdict.get(null) ?? 0;
  const nonEmpty = parsed - (byVerdict.get('empty_row') ?? 0);
  // No row that can fail a rule (most files): the rules' counts are all zero without reading the flags.
  const anyMayFail = verdictRows.some((r) => Number(r['may_fail']) > 0);
  const quality = await ruleChecks(engine, { dataset: n, staged, failing, recordOf, rules, runs: judging.runs, checked: nonEmpty, mayFail: anyMayFail });
  const fatal = quality.find((q) => q.severity === 'fatal' && q.failed > 0);
  if (fatal) {
    // Where: the file and its record numbers (data rows after the header), which the user opens.
    const where = fatal.examples.map((e) => `record ${e.record}: ${e.detail}`).join('; ');
    throw new QualityError(n, fatal.rule, `${fatal.failed} of ${fatal.checked} rows of ${options.sourceName.split('/').at(-1)} fail it on ${fatal.column}, e.g. ${where}`);
  }

  const validRows = parsed - (byVerdict.get('empty_row') ?? 0) - [...byVerdict].filter(([v]) => v !== null && (v === total?.reason || rules.some((r) => r.code === v))).reduce((a, [, c]) => a + c, 0);
  if (spec.key.length) {
    quality.push({ dataset: n, rule: 'unique_key', column: spec.key.join('+'), severity: 'error', checked: validRows, failed: byVerdict.get(duplicateKeyCode(spec)) ?? 0, examples: [] });
  }

  await engine.run(`CREATE OR REPLACE TEMP VIEW ${valid} AS SELECT ${names.map(id).join(', ')}, _record FROM ${checked} WHERE _verdict IS NULL`);
  const reasons: Record<string, number> = {};
  for (const [reason, count] of byVerdict) if (reason && !DROPPED_VERDICTS.includes(reason)) reasons[reason] = count;
  if (rejected > 0) {
    const rejectRows = await engine.rows(`SELECT ${rejectReason} AS reason, count(*) AS n FROM ${rejects} GROUP BY ALL`);
    for (const r of rejectRows) reasons[String(r['reason'])] = Number(r['n']);
  }
  // Malformed lines holding \" are most likely a MySQL export's, `30,825` not read a number with commas grouping thousands: the summary says which option reads them.
  const hints = await optionHints(engine, spec, { table: rejects, rejected }, checked, reasons);
  const quarantined = Object.values(reasons).reduce((a, b) => a + b, 0);

  const quarantineFile = path.join(options.outDir, `${t}.quarantine.parquet`);
  if (quarantined > 0) {
    await engine.run(`
    COPY (
      SELECT ${str(options.sourceName)} AS _source_file, ${recordOf('_record - 1')} AS _record, NULL::BIGINT AS _line, _verdict AS _reason, _verdict_detail AS _detail,
             ${names.map((c) => `coalesce(${raw(c)}, CAST(${id(c)} AS VARCHAR)) AS ${id(c)}`).join(', ')}, NULL::VARCHAR AS _raw_line
      FROM ${checked} WHERE _verdict NOT IN ${DROPPED}
      UNION ALL
      SELECT ${str(options.sourceName)}, NULL, line::BIGINT, ${rejectReason}, error_message,
             -- Its number a BIGINT as in every quarantine object (DuckDB's UBIGINT made it a DOUBLE in Parquet); its text without the line end DuckDB may keep before it (after a CRLF or a blank line).
             ${names.map((c) => `NULL::VARCHAR AS ${id(c)}`).join(', ')}, trim(csv_line, chr(13) || chr(10))
      FROM ${rejects}
      ORDER BY _record NULLS LAST, _line
    ) TO ${str(quarantineFile)} (FORMAT parquet, COMPRESSION zstd);
  `);
  }
  const stats: CleaningStats = {
    dataset: n,
    rowsIn: parsed + rejected,
    rowsOut,
    quarantined,
    emptyRows: byVerdict.get('empty_row') ?? 0,
    exactDuplicates: byVerdict.get('exact_duplicate') ?? 0,
    reasons,
    ...hints,
  };
  return {
    stats,
    quality,
    validRelation: valid,
    ...(quarantined > 0 ? { quarantineFile } : {}),
    ...(options.waitWhole ? { waitsWhole: options.waitWhole.detail } : {}),
    oneThread,
    dispose: async () => {
      await engine.run(`DROP VIEW IF EXISTS ${valid}; DROP VIEW IF EXISTS ${checked}; DROP TABLE IF EXISTS ${dups}; DROP VIEW IF EXISTS ${staged}; DROP TABLE IF EXISTS ${rejects}; DROP TABLE IF EXISTS ${scans}; DROP TABLE IF EXISTS ${shifts};`);
      for (const f of [stagedFile, `${stagedFile}.cr.csv`]) await fs.rm(f, { force: true });
    },
  };
}

/** A rejected line's reason: DuckDB's error (`TOO MANY COLUMNS` → `malformed_line:too_many_columns`), or a whole file's own reason (`dates_month_first:day`). */
const rejectReason = `CASE WHEN contains(error_type, ':') THEN error_type ELSE 'malformed_line:' || lower(replace(error_type, ' ', '_')) END`;
