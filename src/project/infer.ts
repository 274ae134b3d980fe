import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sqlIdent as id, sqlString as str, type Engine, type QueryProgress } from '../engine/duckdb.js';
import { UserError, errorMessage } from '../errors.js';
import { checkTextStart, countRecords, hasMixedLineEnds, holdsTab } from '../pipeline/csv-file.js';
import { endsWithEofMark, fileUtf16, isUtf8File, readableCopy, type SourceEncoding } from '../pipeline/csv-encoding.js';
import { columnNames, inspectHeader } from '../pipeline/csv-header.js';
import { withoutWideLines } from '../pipeline/wide-lines.js';
import { readingAroundBareCrs } from './infer-bare-cr.js';
import { sniffedLayout } from './layout.js';
import { quotingOfFile } from './infer-quoting.js';
import { headerIsRow, notesAndHeaders } from './infer-rows.js';
import { headerRows } from './infer-subheader.js';
import { unlikelyKeys } from './infer-key.js';
import { ninesForMissing } from './infer-nines.js';
import { excelColumns } from './infer-excel.js';
import { oneLetterAnswers } from './infer-booleans.js';
import { excelText } from '../pipeline/excel-text.js';
import { aggregate, textReader } from './infer-sql.js';
import { pointedReading, readingTests } from './infer-date-readings.js';
import { columnAggregates, countRows, fieldTests, namedAndShaped } from './infer-columns.js';
import { refuseHeader } from './header-refusal.js';
import { markedNumbers, nameCodes, nearlyTyped, tracedType } from './infer-nearly.js';
import { asRead, BOOLEANS, CODE_NAME, DATE_FORMATS, dateNamed, ID_LIKE, idNamed, NULL_TOKENS, oneDateOrder, PERIOD_TEXT, STATISTICS_MARKS, TIME_NAME, TIMESTAMP_FORMATS } from './infer-spellings.js';
import { decimalSeparatorOf, failing, numberTests, unitColumns, wideNumbers } from './infer-numbers.js';
import { magnitudeColumns } from './infer-magnitudes.js';
import { flagColumns } from './infer-flags.js';
import { typedExpr } from '../pipeline/row-rules.js';
import { offsetTimestamp, strptimeZoned } from '../pipeline/utc-offset.js';
import { EPOCH_FORMATS, epochTests } from '../pipeline/epoch.js';
import { trimmed } from '../pipeline/trimmed-text.js';
import type { ColumnType } from './types.js';
import { valuesInText, type InferredColumn, type InferredCsv } from './inferred.js';
export type { InferredColumn, InferredCsv } from './inferred.js';
export { textReader } from './infer-sql.js';

/** Rows a date format is first tried on (see inferCsv). */
const FORMAT_SAMPLE_ROWS = 1_000;

/** `onProgress` hears DuckDB's estimate while every row is read (seconds on a file of millions of rows). */
export async function inferCsv(engine: Engine, original: string, displayName = original, onProgress?: (p: QueryProgress) => void): Promise<InferredCsv> {
  if ((await stat(original)).size === 0) throw new UserError(`${displayName} is empty (0 bytes)`, 'a CSV file needs a header line naming its columns');
  // UTF-16 by its byte-order mark; else not UTF-8: windows-1252 (Excel's and many portals' Western European exports). Both read from a UTF-8 copy.
  const encoding: SourceEncoding = (await fileUtf16(original)) ?? ((await isUtf8File(original)) ? 'utf-8' : 'windows-1252');
  // Not UTF-8, and not Western text either (Shift_JIS...): refused, windows-1252 would garble it.
  if (encoding === 'windows-1252') await checkTextStart(original, displayName, encoding, false);
  // Rows ending with CRLF and others with LF (appended by another tool): DuckDB reads none, so a copy with LF only;
  // without DOS' end-of-file mark (Ctrl-Z) too, which would end the last value (a date read as text) or be a line.
  const text = await readableCopy(original, { encoding, mixedLineEnds: await hasMixedLineEnds(original), eofMark: await endsWithEofMark(original) }, path.join(engine.temporaryDir ?? os.tmpdir(), `${randomUUID()}.utf8.csv`));
  await checkTextStart(text, displayName, 'utf-8', true, original); // UTF-8: the original (just checked) or its copy
  return readingAroundBareCrs(engine, text, (file) => inferText(engine, file, encoding, displayName, onProgress));
}

/** inferCsv of `file`, UTF-8 text that DuckDB reads (its line ends all alike). */
async function inferText(engine: Engine, text: string, encoding: SourceEncoding, displayName: string, onProgress?: (p: QueryProgress) => void): Promise<InferredCsv> {
  let file = text;
  // DuckDB's sniffer reads the first rows: one row with a field too many or too few (which silver will
  // quarantine) made it choose "|" and read each line as one column, or fail. The header has the last word.
  const sniff = () => engine.rows(`SELECT Delimiter AS d FROM sniff_csv(${str(file)}, ignore_errors = true)`).then((rows) => String(rows[0]?.['d'] ?? ','), () => undefined);
  const { delimiter, skipLines } = await sniffedLayout(file, () => sniff().then((d) => (d === '\\t' ? '\t' : d?.length === 1 ? d : undefined)));
  // The header as written names the columns (as bronze will match them), then every value as text.
  // The reader is given the columns rather than left to detect them: its sniffer failed on a quote
  // escaped with a backslash, and a line it cannot read is skipped here (silver quarantines it).
  const headers = await inspectHeader(file, delimiter, skipLines);
  refuseHeader(displayName, headers);
  const { quoting, escape, quote, backslashEscapes } = await quotingOfFile(engine, file, delimiter, headers.length, skipLines);
  // Lines wider than the rows, read as rows with their empty last fields dropped (`Paris, Texas` unquoted): left out of the typing, as the run rejects them.
  const narrow = await withoutWideLines(file, { columns: headers.length, delimiter, quoting: quote ?? escape, skipLines }, path.join(engine.temporaryDir ?? os.tmpdir(), `${randomUUID()}.csv`));
  file = narrow.file;
  let reader = textReader(file, delimiter, headers.length, skipLines, quote ?? escape);
  const tabs = delimiter !== '\t' && (await holdsTab(file)); // around a value, as silver trims them
  // Codes written as Excel formulas of text (`="0316769487"`, Goodreads'): typed from the text inside, as silver reads a column declared excel_text.
  const formulas = await excelColumns(engine, file, reader, headers.length);
  const field = (i: number) => (formulas.has(i) ? excelText(id(`c${i}`)) : id(`c${i}`));
  const everyOf = (from: string, columns: readonly number[] = headers.map((_, i) => i)) => `(SELECT ${columns.map((i) => `nullif(${trimmed(field(i), tabs)}, '') AS ${id(`c${i}`)}`).join(', ') || '1'} FROM ${from})`;
  let every = everyOf(reader);
  await engine.rows(`SELECT count(*) FROM (SELECT * FROM ${reader} LIMIT 1)`).catch((err: unknown) => {
    throw new UserError(`${displayName}: DuckDB cannot read it as CSV: ${errorMessage(err).split('\n')[0]}`, 'check that it is a text CSV file with a header line');
  });
  // A first line that is a row (UCI's `adult.data`, no header): read as one, the columns named by their
  // position (`header: false`), for the user to rename in the order of the file.
  const headerless = await headerIsRow(engine, every, headers);
  if (headerless) reader = textReader(file, delimiter, headers.length, skipLines, quote ?? escape, true);
  if (headerless) every = everyOf(reader);
  // A second header row of descriptions under the names (US Census downloads: `Geography`, `Estimate!!Total`): typed from the rows under
  // it, quarantined by the run (nothing lost) instead of making every column text; or SurveyMonkey's labels, which name the columns too.
  const { fields, answers, described } = await headerRows(engine, every, headers, headerless);
  const names = headerless ? fields : columnNames(fields);
  const describedBy = answers ? undefined : described?.labels;
  // Lines of notes after the data (`Source: ONS...`, the first field alone) and the header repeated
  // inside the data (two exports joined) are left out of the typing: the run quarantines them.
  const { footerRows, wholeFooterRows, totalRows, totalLabel, tailRows, repeatedHeaders, reportRows, emptyRows, emptyAmong, sumRowFilled, typed } = await notesAndHeaders(engine, every, fields, described?.rows ?? 0);
  // Each field without its spellings of missing, `v<i>` (`v` of columnAggregates), computed once per row (or distinct field): the tests read it a dozen times.
  // (list_contains, not IN: DuckDB makes a join of each IN list, hundreds of them for a wide file.)
  const missing = `[${[...NULL_TOKENS, ...STATISTICS_MARKS].map(str).join(', ')}]`;
  // The rows of the columns a statement reads, from the file (those repeating the header, and empty ones, are told by all of them).
  const rowsOf = (columns: readonly number[]) => typed(repeatedHeaders || reportRows || emptyAmong ? every : everyOf(reader, columns));
  const asValue = (c: string) => `CASE WHEN list_contains(${missing}, ${c}) THEN NULL ELSE ${asRead(c)} END`;
  const source = (columns: readonly number[]) => `(SELECT ${columns.map((i) => `${id(`c${i}`)}, ${asValue(id(`c${i}`))} AS ${id(`v${i}`)}`).join(', ') || '1'} FROM ${rowsOf(columns)})`;
  const value = (i: number) => id(`v${i}`);
  const fails = (i: number, test: string) => failing(value(i), countRows)(test);
  // One count of failures per date or timestamp format: `df<j>_<i>`, `tf<j>_<i>` for column i.
  const formatTests = (i: number) =>
    // DuckDB's %Y reads "24" as the year 24: a format with %Y reads four-digit years only. A timestamp's time may have a zone after it (`GMT+1`).
    [...DATE_FORMATS.map((f, j) => [`df${j}`, f] as const), ...TIMESTAMP_FORMATS.map((f, j) => [`tf${j}`, f] as const)].map(([key, f]) => ({ alias: `${key}_${i}`,
      sql: fails(i, f.includes('%Y') ? `CASE WHEN year(${strptimeZoned(value(i), f, key.startsWith('tf'))}) >= 1000 THEN true END` : strptimeZoned(value(i), f, key.startsWith('tf'))) }));
  const select = (tests: { alias: string; sql: string }[]) => tests.map((t) => `${t.sql} AS ${id(t.alias)}`);
  // Each column's counts, asked of its distinct values at once (see columnAggregates).
  const row = await columnAggregates(engine, headers.map((_, i) => i), rowsOf, (count) => {
    const [v, fails] = ['v', failing('v', count)];
    return [
      ...fieldTests(count),
      // Eight digits of a day (GA4's `20240101`), of use in a column named as a date only.
      { name: 'ymd', sql: fails(`CASE WHEN regexp_full_match(${v}, '(19|20)[0-9]{6}') THEN try_strptime(${v}, '%Y%m%d') END`) },
      // Seconds or milliseconds since 1970 of this century (Unix time), of use in a column named as an instant only.
      ...epochTests(v, fails),
      // A period written as text that sorts as time does (`2014Q1`, `2014-Q1`, `2024-01`, `2024M01`, `2024-W05`, `2024H1`): a series' x.
      { name: 'period', sql: fails(`CASE WHEN regexp_full_match(${v}, '${PERIOD_TEXT}') THEN true END`) },
      ...numberTests(v, count),
      // (0 and 1 among words: `True`, `0`, `false`, `1` in one column, as silver reads them. 0 and 1 alone are integers, tested first.)
      { name: 'bool', sql: fails(`CASE WHEN lower(${v}) IN (${[...BOOLEANS, '0', '1'].map(str).join(', ')}) THEN true END`) },
      // DuckDB's DATE cast reads "2001-01-02 13:45" too and drops the time: a date only when no time is lost.
      // The year 1000 and later, as silver reads dates without a format: the cast reads "24-01-05" as the year 24.
      { name: 'date', sql: fails(`CASE WHEN length(${v}) >= 8 AND TRY_CAST(${v} AS TIMESTAMP) IS NOT DISTINCT FROM TRY_CAST(${v} AS DATE) AND TRY_CAST(${v} AS DATE) >= DATE '1000-01-01' THEN true END`) },
      // With a UTC offset after a space too (Shopify's `2024-03-11 15:37:00 -0500`), or a zone (`2024-01-15 10:23:45 GMT+1`), as silver reads it.
      { name: 'ts', sql: fails(`CASE WHEN length(${v}) >= 8 AND coalesce(TRY_CAST(${v} AS TIMESTAMP), ${offsetTimestamp(v)}) >= TIMESTAMP '1000-01-01' THEN true END`) },
    ];
  }, { value: asValue, onProgress });
  // Tests of use for some columns only, as if not asked of the others.
  headers.forEach((_, i) => {
    if (!dateNamed(names[i]!, fields[i]!)) delete row[`ymd_${i}`];
    if (!TIME_NAME.test(names[i]!)) for (const f of EPOCH_FORMATS) delete row[`${f}_${i}`];
    if (!ID_LIKE.test(names[i]!)) delete row[`intz_${i}`];
  });
  const oneLetter = await oneLetterAnswers(engine, headers.length, row, value, source);
  const firstRows = (columns: readonly number[]) => `(SELECT * FROM ${source(columns)} LIMIT ${FORMAT_SAMPLE_ROWS})`;
  // The columns of values that none of `readings` reads all of.
  const typeless = (readings: string[]) => headers.flatMap((_, i) => (Number(row[`values_${i}`]) === 0 || readings.some((k) => Number(row[`${k}_${i}`]) === 0) ? [] : [i]));
  const numberless = () => typeless(['int', 'num', 'numc', 'nump', 'bool', 'date', 'ts']);
  // Amounts with a sign (`unit: "$"`), then with a magnitude (`52.34K`: `magnitudes: true`), then flagged by a statistics office (`490.3E`: `flags: true`).
  const units = await unitColumns((selects, from) => aggregate(engine, selects, from, onProgress), numberless(), value, (i) => id(`c${i}`), source, firstRows, row);
  const magnitudes = await magnitudeColumns((selects, from) => aggregate(engine, selects, from, onProgress), numberless(), names, value, source, row);
  const flags = await flagColumns((selects, from) => aggregate(engine, selects, from, onProgress), numberless(), names, value, source, row);
  // The dozens of date and timestamp formats are tried only on the columns that have no type yet: first on the
  // file's first rows, then on every row for the formats that read all of those. Trying them all on
  // every value of every column took minutes on a file of millions of rows.
  // Every format has a day and a year in digits: a column with a value of fewer than two digits in
  // the first rows ("Paris", "A1") reads with none of them, and is not tried.
  const untyped = typeless(['int', 'num', 'bool', 'date', 'ts']);
  const digits = await aggregate(engine, untyped.map((i) => `${fails(i, `CASE WHEN regexp_matches(${value(i)}, '[0-9][^0-9]*[0-9]') THEN true END`)} AS ${id(`digits_${i}`)}`), firstRows);
  const dateLike = untyped.filter((i) => Number(digits[`digits_${i}`]) === 0);
  for (const i of untyped) for (const t of formatTests(i)) row[t.alias] = 1;
  if (dateLike.length) {
    const tests = dateLike.flatMap(formatTests);
    const sample = await aggregate(engine, select(tests), firstRows);
    const candidates = tests.filter((t) => Number(sample[t.alias]) === 0);
    const full = await aggregate(engine, select(candidates), source, onProgress);
    for (const t of candidates) row[t.alias] = full[t.alias] ?? 1;
  }
  const readings = (i: number) => DATE_FORMATS.flatMap((f, j) => (Number(row[`values_${i}`]) > 0 && Number(row[`df${j}_${i}`]) === 0 ? [j] : []));
  // What the dates of a column read two ways (`03/01/2024`) say of the reading meant (pointedReading).
  Object.assign(row, await aggregate(engine, readingTests(headers.length, row, value), source));
  // Dates written two ways in one column (ISO in one month's export, day first in another's): no one
  // format reads them all; silver's reading without a format does (ISO, then day first), as `dm_<i>` says.
  const asSilverReadsDates = (v: string) => typedExpr(v, { type: 'date', required: false, personal: false }, v);
  const readsTwoWays = (i: number) => `${fails(i, `CASE WHEN NOT regexp_matches(${value(i)}, '[0-9]:[0-9]') THEN ${asSilverReadsDates(value(i))} END`)} AS ${id(`dm_${i}`)}`;
  // Tried on the first rows first, as the formats are: on every value of a column of codes (`dev-0044`) it took seconds.
  const maybeTwoWays = dateLike.filter((i) => readings(i).length === 0 && TIMESTAMP_FORMATS.every((_, j) => Number(row[`tf${j}_${i}`]) !== 0));
  const firstTwoWays = await aggregate(engine, maybeTwoWays.map(readsTwoWays), firstRows);
  const twoWays = maybeTwoWays.filter((i) => Number(firstTwoWays[`dm_${i}`]) === 0);
  for (const i of maybeTwoWays) row[`dm_${i}`] = 1;
  Object.assign(
    row,
    await aggregate(
      engine,
      twoWays.flatMap((i) => [
        readsTwoWays(i),
        `${countRows(`regexp_matches(${value(i)}, '^\\s*(1[3-9]|2[0-9]|3[01])[/.-]')`)} AS ${id(`dayfirst_${i}`)}`,
      ]),
      source,
    ),
  );
  const rows = Number(row['n']);
  const sum = (k: string) => headers.reduce((n, _, i) => n + Number(row[`${k}_${i}`]), 0);
  // `,` for `1.234,56` (German, French... exports), `.` for `1,234.50`, or for `1,493,586` where no decimal tells.
  const decimalSeparator = decimalSeparatorOf((k, i) => Number(row[`${k}_${i}`]), headers, delimiter);
  const european = delimiter === ';' || decimalSeparator === ',';
  const nullValues = new Set<string>();
  const textTokens: InferredCsv['textTokens'] = [];
  // A column read as numbers only with commas grouping thousands (`2,067` beside `13,436.29`): the definition says `decimal_separator: "."`.
  let thousandsComma = false;
  const columns: InferredColumn[] = headers.map((_, i) => {
    const get = (k: string) => Number(row[`${k}_${i}`]);
    const values = get('values');
    const ok = (k: string) => values > 0 && get(k) === 0;
    let type: ColumnType = 'text';
    let format: string | undefined;
    let ambiguousWith: string | undefined;
    let [code, dottedId] = [false, false];
    const dateFormats = DATE_FORMATS.filter((_, j) => ok(`df${j}`));
    const pointed = pointedReading(dateFormats, 'date', i, row, european);
    if (pointed) dateFormats.sort((a, b) => Number(b === pointed) - Number(a === pointed));
    const tsFormats = TIMESTAMP_FORMATS.filter((_, j) => ok(`tf${j}`));
    const traced = tracedType(get, values, decimalSeparator);
    // Integers, thousands grouped by spaces too where decimal commas are (INSEE's `652 432`), as silver reads them then.
    const integers = ok('int') || (decimalSeparator === ',' && ok('ints'));
    // A code written in digits (a ZIP, FIPS or phone number; Excel's formula of text for one): text, so that a later file's `01001` keeps its zero.
    if (integers && (CODE_NAME.test(names[i]!) || formulas.has(i))) code = true;
    else if (ok('int') && ok('ymd')) [type, format] = ['date', '%Y%m%d'];
    else if (ok('int') && EPOCH_FORMATS.some(ok)) [type, format] = ['timestamp', EPOCH_FORMATS.find(ok)];
    else if (integers || (ID_LIKE.test(names[i]!) && ok('intz'))) type = 'integer';
    // Ids written with a point (Citi Bike's station `5788.10`, `6140.05`): text, as written; a number would make `5788.1` of one.
    else if (ok(decimalSeparator === ',' ? 'numc' : 'num') && idNamed(names[i]!)) dottedId = true;
    else if (ok(decimalSeparator === ',' ? 'numc' : 'num')) type = 'number';
    else if (decimalSeparator === '.' && sum('dc') === 0 && ok('nump')) {
      type = 'number';
      thousandsComma = true;
    }
    else if (traced) type = traced;
    else if (ok('bool') && !oneLetter(i)) type = 'boolean';
    else if (ok('date')) type = 'date';
    else if (ok('ts')) type = 'timestamp';
    else if (dateFormats.length) {
      type = 'date';
      format = dateFormats[0];
      // Another reading of day and month ("%d/%m" against "%m/%d").
      // (Names long or short, "%B" and "%b" both read "May", "%A" and "%a" both "Mon": not another reading.)
      const read = (f: string) => f.replace('%B', '%b').replace('%A', '%a');
      ambiguousWith = dateFormats.find((f) => read(f) !== read(format!));
    } else if (ok('dm')) {
      // Two ways (ISO and day first), no format: day first is proven by a day past 12, else it may be month first.
      type = 'date';
      if (get('dayfirst') === 0) ambiguousWith = '%m/%d/%Y';
    } else if (tsFormats.length) {
      type = 'timestamp';
      format = tsFormats[0];
      ambiguousWith = tsFormats.find((f) => f.split(' ')[0] !== format!.split(' ')[0] && f.slice(f.indexOf(' ')) === format!.slice(format!.indexOf(' ')));
      // A 12-hour clock (`09/05/2015 01:30:00 PM`, Chicago's and most US exports) goes with dates month first.
      if (ambiguousWith?.startsWith('%m/%d') && format?.startsWith('%d/%m') && format.endsWith('%p')) [format, ambiguousWith] = [ambiguousWith, format];
      // Unless the times themselves say which (a week's log all in one month).
      if (ambiguousWith && pointedReading([format!, ambiguousWith], 'timestamp', i, row, european) === ambiguousWith) [format, ambiguousWith] = [ambiguousWith, format];
    }
    const found = row[`tokens_${i}`];
    // A spelling of "missing" counts only where the other values have a type of their own.
    if (typeof found === 'string') {
      for (const t of found.split('\x01')) {
        if (type === 'text') textTokens.push({ value: t, column: names[i]! });
        else nullValues.add(t);
      }
    }
    // A statistics mark is this column's own spelling of missing where its other values have a type; else a value.
    const marked = row[`marks_${i}`];
    // In text, only `?` (UCI's data sets write it for unknown: `workclass` of `?`): no word, name or code is one.
    // A boolean column's `F` is false, no mark.
    const columnNulls = [...(typeof marked !== 'string' || type === 'boolean' ? [] : type === 'text' ? marked.split('\x01').filter((t) => t === '?') : marked.split('\x01')), ...(type === traced ? ['T'] : [])].sort();
    if (type === 'text' && typeof marked === 'string') for (const t of marked.split('\x01')) if (t !== '?') textTokens.push({ value: t, column: names[i]! });
    const complete = rows > 0 && get('present') === rows && (type === 'text' || values === rows) && type !== traced;
    // Text for a few values only (`abc` among 3,000 dates): said, since declaring the type quarantines them.
    const nearly = type === 'text' && !code && !dottedId && values >= 20 ? nearlyTyped(get, values, decimalSeparator) : undefined;
    return {
      header: fields[i]!,
      name: names[i]!,
      type,
      ...(format ? { format } : {}),
      ...(ambiguousWith ? { ambiguousWith } : {}),
      ...(code ? { code } : {}),
      ...(dottedId ? { dottedId } : {}),
      ...(type === 'text' && ok('period') ? { period: true as const } : {}),
      ...(nearly ? { nearly } : {}),
      ...(units.has(i) && type !== 'text' ? { unit: units.get(i)! } : {}), ...(magnitudes.has(i) && type === 'number' ? { magnitudes: true as const } : {}), ...(flags.has(i) && type !== 'text' ? { flags: flags.get(i)! } : {}),
      ...(formulas.has(i) ? { excelText: true as const } : {}),
      ...(columnNulls.length ? { nullValues: columnNulls } : {}),
      complete,
      unique: complete && get('distinct') === rows,
      distinct: get('distinct'),
    };
  });
  oneDateOrder(columns);
  await nameCodes(engine, columns, value, source);
  markedNumbers(columns, row);
  namedAndShaped(columns, row);
  await ninesForMissing(engine, columns, rowsOf);
  // Numbers a double would round (more than 15 significant digits): a decimal that holds them, else text; not those of magnitudes, which a number column alone reads.
  const wide = await wideNumbers((selects, from) => aggregate(engine, selects, from), columns.flatMap((c, i) => (c.type === 'number' && !c.magnitudes ? [i] : [])), value, source, decimalSeparator, row);
  for (const [i, scale] of wide) columns[i] = scale === undefined ? { ...columns[i]!, type: 'text', tooPrecise: true } : { ...columns[i]!, type: 'decimal', scale };
  await unlikelyKeys(engine, columns, rowsOf);
  // Said by init next to the rows read: a file of which no line was read types nothing (every column text).
  const unreadRecords = Math.max(0, (await countRecords(file, skipLines, quote ?? escape)) + narrow.left + (headerless ? 1 : 0) - rows - (described?.rows ?? 0) - tailRows - repeatedHeaders - reportRows - emptyAmong);
  // MySQL writes NULL as \N, in a text column too (a text "\N" would be written "\\N").
  // So do IMDb's tab-separated files, which quote nothing.
  const mysqlNull = (escape ?? quote) !== undefined && quoting.backslashN;
  const textValues = mysqlNull ? textTokens.filter((t) => t.value !== '\\N') : textTokens;
  if (mysqlNull) nullValues.add('\\N');
  const sorted = [...nullValues].sort();
  return { delimiter, skipLines, encoding, text: file, ...(describedBy ? { describedBy } : {}), ...(described?.rows === 2 ? { importIds: true as const } : {}), ...(answers ? { headerRows: 2 as const } : {}), ...(footerRows ? { footerRows } : {}), ...(wholeFooterRows ? { wholeFooterRows } : {}), ...(totalRows ? { totalRows, totalLabel: totalLabel ?? 'Total' } : {}), ...(sumRowFilled ? { sumRowFilled: sumRowFilled.map((i) => names[i]!) } : {}), ...(repeatedHeaders ? { repeatedHeaders } : {}), ...(reportRows ? { reportRows } : {}), ...(emptyRows ? { emptyRows } : {}), ...(decimalSeparator ? { decimalSeparator } : {}), ...(thousandsComma ? { thousandsComma } : {}), ...(escape ? { escape } : {}), ...(quote ? { quote } : {}), ...(backslashEscapes ? { backslashEscapes } : {}), ...(headerless ? { headerless } : {}), plainQuotes: !quoting.backslash && !quoting.doubledQuote, rows, columns, nullValues: sorted, nullValuesInText: valuesInText(sorted, textValues), textTokens: textValues, unreadRecords };
}
