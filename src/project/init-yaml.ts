import path from 'node:path';
import type { InferredColumn, InferredCsv } from './infer.js';
import { DATALAKE } from '../command-name.js';
import { headerKey } from '../pipeline/csv-header.js';
import { epochSaid, INFERRED_YEARS, isEpochFormat } from '../pipeline/epoch.js';

/** The definitions `init --from-csv` writes: a dataset's YAML from what infer.ts found (its starter KPI: starter-kpi.ts). */

import { dateNamed, ID_LIKE, PERIOD_LIKE } from './infer-spellings.js';
import { FLAGGING_MARKS } from '../pipeline/number-flags.js';
import { datedLabel, keyNamed, ownIdRank, positionNamed, sharedCode } from './key-names.js';
import { personalOf } from './personal-names.js';
import { headerPeriods } from './period-headers.js';

/**
 * A key: a column unique and never empty, integer or text, with an id-like name (the row's own id
 * first: `id`, the dataset's `order_id`, the first column's; key-names.ts), else the first column if it
 * is one. A later file's row replaces the earlier row with its key, so a measure, a label or a code rows
 * share (a postal code) that happens to be unique in the first file must not become one: without a
 * key, rows are appended, which loses nothing. Else two columns unique together (pairKey), else a
 * series' regularly spaced dates (infer-series.ts).
 */
export function keyOf(csv: InferredCsv): string[] {
  if (csv.rows === 0) return [];
  const candidates = csv.columns.filter((c) => c.unique && !c.placeholder && !c.amounts && (c.type === 'integer' || c.type === 'text') && !isRowNumber(c) && !positionNamed(c));
  // Columns named by position (no header line) say nothing of what they hold: the first is no key for being first;
  // nor is a day's text (Xero's `Date`, `Opening Balance` among its days): days repeat in the next export; nor a title beside dates (datedLabel).
  const first = csv.headerless || (csv.columns[0] && dateNamed(csv.columns[0].name, csv.columns[0].header)) ? undefined : candidates.find((c) => c === csv.columns[0] && !datedLabel(c, csv));
  const named = candidates.filter((c) => keyNamed(c, csv)).sort((a, b) => ownIdRank(a, csv) - ownIdRank(b, csv));
  const chosen = named[0] ?? first;
  return chosen ? [chosen.name] : csv.pairKey ? [...csv.pairKey] : csv.series ? [csv.series.column] : [];
}

/**
 * A first column of dates unique in these files that are not regularly spaced, or too few to tell
 * (infer-series.ts declares the others): the key of a series whose download again under another name
 * would otherwise double its rows, or the day of events that happen to be one a day so far. Suggested
 * in a comment, not declared: a key replaces rows.
 */
function seriesKey(csv: InferredCsv): string | undefined {
  const first = csv.columns[0];
  return csv.rows > 1 && first?.unique && (first.type === 'date' || first.type === 'timestamp') ? first.name : undefined;
}

/** Why a series' date is its key: a download of it again, overlapping these periods, would add their figures twice. */
function seriesComment(csv: InferredCsv, { column, period }: { column: string; period: string }): string {
  const time = csv.columns.find((c) => c.name === column)?.type === 'timestamp' ? 'a time' : 'a date';
  const of = period.endsWith('s') ? `${period}'` : `${period}'s`;
  return `# A series: ${column} is ${time} every ${period}, unique and never empty in these files, each row one ${of} figure. A download of it again (under another name, overlapping these) replaces the rows of the same ${column} rather than add them twice. Without the key (remove it), rows are appended.`;
}

/** The comment of a dataset without a key: a series' date or a unique column to declare if the user knows better. */
function noKeyComment(csv: InferredCsv): string {
  const appended = '# No key: rows are appended (a new version of a file replaces its rows).';
  const series = seriesKey(csv);
  if (series) return `${appended} ${series} is unique in these files: if each row is one ${series}'s figure (a series), \`key: ${series}\` makes a download of it again, under another name, replace its rows rather than add them.`;
  const unique = uniqueNotKey(csv);
  // Unique figures (a day's counts) are none to suggest, but the comment says no column is unique only where none is.
  if (!unique) return csv.columns.some((c) => c.unique) ? appended : '# No column is unique and never empty: without a key, rows are appended (a new version of a file replaces its rows).';
  const why = unique.placeholder ? 'but one of its values is zeros only, written where a row has none' : sharedCode(unique, csv) ? 'but it is a code many rows may share (a place, a contact, a product), unique here by chance' : datedLabel(unique, csv) ? 'but it is free text in rows of dates (a title, a name), which the next file may repeat' : 'which may be by chance';
  return `${appended} ${unique.name} is unique in these ${csv.rows} rows, ${why}: if each row is one ${unique.name}, \`key: ${unique.name}\` makes a corrected export replace its rows rather than add them.`;
}

/**
 * A column unique and never empty that keyOf did not take: named in the comment, for the user to decide. Never a
 * figure, unique in a few rows by chance: integers not named as an id, or a column named as a period (JHU's `2/10/20`,
 * a day's counts); none is better than a wrong one.
 */
function uniqueNotKey(csv: InferredCsv): InferredColumn | undefined {
  const periods = headerPeriods(csv.columns);
  // (A `year` of a row each is a period, not a figure.)
  const figure = (c: InferredColumn) => (c.type === 'integer' && !ID_LIKE.test(c.name) && !PERIOD_LIKE.test(c.name)) || periods.has(c.name);
  const unique = csv.rows > 1 ? csv.columns.filter((c) => c.unique && !c.amounts && (c.type === 'integer' || c.type === 'text') && !isRowNumber(c) && !positionNamed(c) && !figure(c)) : [];
  return unique.find((c) => ID_LIKE.test(c.name)) ?? unique[0];
}

/**
 * A column with no name (a leading delimiter), or pandas' `Unnamed: 0` or `index`: the row numbers
 * pandas writes with a data frame, which start again in every file. As a key they would make each
 * file's rows replace the last file's.
 */
export function isRowNumber(c: InferredColumn): boolean {
  return !c.header.trim() || /^(unnamed:?\s*\d+|index|level_0)$/i.test(c.header.trim());
}

/** What init says to check in a dataset it wrote, one line each: dates read one way that read another, two-digit years, integers taken for Unix time. */
export function toCheck(csv: InferredCsv): string[] {
  return csv.columns.flatMap((c) => [
    ...(c.ambiguousWith ? [`${c.name}: read as ${c.format ?? 'ISO or day first (no format: ISO dates and others)'}, but every value also reads as ${c.ambiguousWith} (day and month)`] : []),
    ...(c.format?.includes('%y') ? [`${c.name}: two-digit years, 00–68 read as 2000–2068 and 69–99 as 1969–1999`] : []),
    ...(isEpochFormat(c.format) ? [`${c.name}: integers read as ${epochSaid(c.format)} (Unix time), told by its name and their range (the years ${INFERRED_YEARS} so read)`] : []),
  ]).concat(wholeTotals(csv) ? [`a total at the end fills every column: the run would load it as a row (delete it from the file)`] : [])
    .concat(csv.sumRowFilled && !sumRowCaught(csv) ? [`a total at the end (its figures alone, the sums of their columns) leaves empty no column every row fills: the run would load it as a row (delete it from the file)`] : []);
}

/** Totals at the end filling every column that no `total_row` sets aside (one is declared where a total has its label and figures). */
function wholeTotals(csv: InferredCsv): number {
  return csv.totalRows ? 0 : csv.wholeFooterRows ?? 0;
}

/** Whether a column every row fills is empty on the total's row without a label (`sumRowFilled`): required, it sets that row aside. */
function sumRowCaught(csv: InferredCsv): boolean {
  return csv.columns.some((c) => c.complete && !csv.sumRowFilled!.includes(c.name));
}

/** A YAML scalar: plain when unambiguous, else double-quoted (JSON strings are YAML). */
export function yamlText(s: string): string {
  return /^[A-Za-z][\w .()/-]*$/.test(s) && !/^(true|false|yes|no|null|on|off|y|n)$/i.test(s) && !/[:#]/.test(s) && s.trim() === s ? s : JSON.stringify(s);
}

export function datasetYaml(name: string, globs: string[], files: string[], csv: InferredCsv, filesNote?: string): string {
  const key = keyOf(csv);
  const lines = [
    `# Inferred by \`datalake init --from-csv\` from ${files.map((f) => path.basename(f)).join(', ')} (${csv.rows} rows). Read it, then edit:`,
    `# mark required columns, add allowed values and rules; \`${DATALAKE} check\` validates it.`,
    `description: ${yamlText(`${name} (from ${path.basename(files[0]!)})`)}`,
    ...(filesNote ? [filesNote] : []),
    `files: ${globs.length === 1 ? yamlText(globs[0]!) : `[${globs.map(yamlText).join(', ')}]`}`,
  ];
  if (csv.delimiter !== ',') lines.push(`delimiter: ${JSON.stringify(csv.delimiter)}`);
  if (csv.describedBy) {
    const shown = csv.describedBy.filter(Boolean).slice(0, 3).map((v) => JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)).join(', ');
    lines.push(
      csv.importIds
        ? `# The first row under the header describes the columns (${shown}...) and the second gives their import ids ({"ImportId":...}), as Qualtrics exports write them. The columns are typed from the rows under them; the run quarantines those two rows, their values not being numbers or dates.`
        : `# The first row under the header describes the columns (${shown}...): a second header, as US Census downloads have. The columns are typed from the rows under it; the run quarantines that row, its values not being numbers.`,
    );
  }
  if (csv.thousandsComma) lines.push(`# Numbers whose commas group thousands (1,493,586; 2,067 beside 13,436.29): the decimal separator is the point, and a comma is never a decimal one.`, `decimal_separator: "."`);
  if (csv.decimalSeparator === ',') lines.push(`# Numbers with a decimal comma and no decimal point: 1.234,56 is 1234.56 (dots and spaces group thousands, no-break ones too: 652 432).`, `decimal_separator: ","`);
  if (csv.quote === 'none') lines.push(`# Values are never quoted: a " is a character like any other (12" Single), as IMDb's and many tab-separated exports write.`, `quote: none`);
  if (csv.backslashEscapes) lines.push(`# Written as PostgreSQL's text format (COPY ... TO) writes: \\t is a tab in a value, \\n a line break, \\\\ a backslash, \\N a missing value.`, `escape: backslash`);
  if (csv.escape) lines.push(`# A quote inside a quoted value is written \\" (as MySQL writes it), not "".`, `escape: backslash`);
  if (csv.encoding === 'windows-1252') lines.push(`# Not UTF-8: read as ${csv.encoding} (Excel's and many Western European exports; Latin-1 too).`, `encoding: ${csv.encoding}`);
  if (csv.encoding === 'utf-16le' || csv.encoding === 'utf-16be') lines.push(`# UTF-16 text (Excel's "Unicode Text" and many reporting tools' exports): its byte-order mark says so, no setting needed.`);
  if (csv.headerless) lines.push(`# No header line: the ${csv.skipLines ? `line after the ${csv.skipLines} skipped` : 'first line'} is a row. The columns are named by position, column_1 to column_${csv.columns.length}: rename them below, keeping their order, which is how the files are read.`, 'header: false');
  if (csv.skipLines) lines.push(`# The first ${csv.skipLines === 1 ? 'line is' : `${csv.skipLines} lines are`} not data (a title, notes, Excel's sep=; or blank lines): the ${csv.headerless ? 'rows follow' : 'header follows'}.`, `skip_lines: ${csv.skipLines}`);
  if (csv.headerRows === 2) {
    lines.push(
      `# Two header lines, as SurveyMonkey exports write them: the questions, a question's field left blank over its other columns, then each column's answer (Response, a choice, a row of a matrix). A column is named by its question and its answer where the question has several columns; the second line is no row: the run skips it.`,
      'header_rows: 2',
    );
  }
  const numbering = csv.columns.find((c) => c.unique && c.type === 'integer' && isRowNumber(c));
  if (numbering) lines.push(`# ${numbering.name} (${numbering.header.trim() ? `"${numbering.header.trim()}"` : 'no name'}) looks like row numbers, as pandas writes them: not a key, since each file numbers its rows again.`);
  if (key.length === 2) lines.push(`# No column alone is unique, but ${key[0]} and ${key[1]} together are, and never empty, in these files: rows of later files replace earlier rows with the same ${key[0]} and ${key[1]}.`, `key: [${key.join(', ')}]`);
  else if (key.length && csv.sentTwice) lines.push(`# ${key[0]} is never empty and unique but for ${csv.sentTwice === 1 ? 'a row that repeats' : `${csv.sentTwice} rows that repeat`} another row exactly (sent twice, dropped and counted by the run): rows of later files replace earlier rows with the same ${key[0]}.`, `key: ${key[0]}`);
  else if (key.length && csv.series && csv.series.column === key[0]) lines.push(seriesComment(csv, csv.series), `key: ${key[0]}`);
  else if (key.length && csv.columns.find((c) => c.name === key[0])?.redownloaded) lines.push(`# ${key[0]} is unique and never empty in each file, and repeats across them with rows alike, as downloads of one export at two times do: a later file's row replaces the earlier row with the same ${key[0]} (files apply in name order, a browser's copy "name (1).csv" after "name.csv").`, `key: ${key[0]}`);
  else if (key.length) lines.push(`# ${key[0]} is unique and never empty in these files: rows of later files replace earlier rows with the same ${key[0]}.`, `key: ${key[0]}`);
  else lines.push(noKeyComment(csv));
  if (!key.length && csv.repeatedRows) {
    const n = csv.repeatedRows;
    lines.push(`# ${n === 1 ? 'A row repeats' : `${n} rows repeat`} another row of its file exactly, as a statement's two identical charges on one day do: kept as rows. If they are one row sent twice, set duplicates: drop (dropped and counted).`, 'duplicates: keep');
  }
  const whole = wholeTotals(csv);
  // The lines a required column sets aside: not a total no column can (said below); with totals set aside by
  // total_row, the notes a later file may write after its total.
  const caughtFooters = (csv.footerRows ?? 0) - whole - (csv.sumRowFilled && !sumRowCaught(csv) ? 1 : 0);
  const notes = caughtFooters - (csv.totalRows ?? 0);
  if (csv.totalRows) {
    // Whatever columns it fills (a required one may be filled on it too): set aside by its label, in every file.
    const [label, first, n] = [csv.totalLabel ?? 'Total', csv.columns[0]!.name, csv.totalRows];
    const required = csv.columns.some((c, i) => i > 0 && c.complete) ? ` The columns every other row fills are required, so that a note after it (a source, a footnote) is quarantined too.` : '';
    lines.push(`# The last ${n === 1 ? 'row is a total' : `${n} rows are totals`} (${JSON.stringify(label)} in ${first}, the sum of the rows above): total_row sets aside such a row after the last row of data of each file, and the rows without a ${first} after it, quarantined as total_row:${first}, so that no sum counts the rows twice (one with rows of data after it, or a "Total Gym", stays a row).${required}`, `total_row: ${first}`);
  }
  if (whole) lines.push(`# Check: ${whole === 1 ? 'a total fills' : `${whole} totals fill`} every column at the end of the file: the run loads ${whole === 1 ? 'it as a row' : 'them as rows'}, counting the rows above twice in any sum. Delete ${whole === 1 ? 'it' : 'them'} from the exports.`);
  if (csv.sumRowFilled && !sumRowCaught(csv)) lines.push(`# Check: the last row is a total (its figures alone, each the sum of its column above), and no column every row fills is empty on it: the run loads it as a row, counting the rows above twice in any sum. Delete it from the exports.`);
  if (notes > 0) lines.push(`# The last ${notes === 1 ? 'line holds' : `${notes} lines hold`} a note in the first field alone (a source, a footnote) or a total: the columns every other row fills are required, so that the run quarantines such lines rather than load them as rows (a total would count its rows twice).`);
  if (csv.reportRows) {
    const caught = csv.columns.some((c, i) => i > 0 && c.complete);
    lines.push(
      caught
        ? `# ${csv.reportRows} ${csv.reportRows === 1 ? 'row is' : 'rows are'} a report's totals, balances or section lines among the data (\`Total for ...\`, \`Opening Balance\`, an account alone on its line): the columns are typed without them, and those the other rows all fill are required, so that the run quarantines them rather than count them as rows.`
        : `# Check: ${csv.reportRows} ${csv.reportRows === 1 ? 'row is' : 'rows are'} a report's totals, balances or section lines among the data (\`Total for ...\`, \`Opening Balance\`), and no column the other rows all fill is empty on them: the run loads them as rows, counting the rows they total twice. Export the report as a plain list of transactions, or delete them.`,
    );
  }
  if (csv.emptyRows) lines.push(`# ${csv.emptyRows} ${csv.emptyRows === 1 ? 'row has' : 'rows have'} every field empty (blank rows a spreadsheet saves as ,,): not counted as rows, as the run drops them (its "empty rows").`);
  if (csv.repeatedHeaders) lines.push(`# ${csv.repeatedHeaders} ${csv.repeatedHeaders === 1 ? 'row repeats' : 'rows repeat'} the header (exports joined one after the other): the columns are typed without them; the run quarantines them where a column is of numbers or dates.`);
  for (const { value, columns } of csv.nullValuesInText) {
    lines.push(`# Check: ${JSON.stringify(value)} is also a value of ${columns.join(', ')}, where it will be read as missing too. If it is a value there (NA for Namibia), give ${columns.length > 1 ? 'those columns' : 'that column'} null_values of ${columns.length > 1 ? 'their' : 'its'} own: { type: text, null_values: [] }.`);
  }
  if (csv.nullValues.length) lines.push(`null_values: [${csv.nullValues.map((v) => JSON.stringify(v)).join(', ')}]`);
  lines.push('columns:');
  // Required columns quarantine notes and totals that leave one empty; a total filling every column is said above.
  const catchFooters = caughtFooters > 0 || (csv.reportRows ?? 0) > 0;
  // The first column too where it is empty on a total's row without a label (Salesforce's).
  const catches = (c: InferredCsv['columns'][number], i: number) => c.complete && ((catchFooters && i > 0) || (csv.sumRowFilled !== undefined && !csv.sumRowFilled.includes(c.name)));
  const spelled = spelledOut(csv.columns);
  for (const [i, c] of csv.columns.entries()) lines.push(`  ${columnYaml(c, key.includes(c.name), csv.nullValues, catches(c, i), spelled[i], personalOf(c, csv))}`);
  // A header-only file gives an empty dataset: a warning here, not a failure, until rows arrive.
  lines.push('rules:', `  - { rule: not_empty, severity: ${csv.rows === 0 ? 'warn' : 'fatal'} }`);
  return `${lines.join('\n')}\n`;
}

/**
 * Whether each column is written with its exact `header`: its header is another's but for case, spaces or
 * punctuation (`Email`, `EMAIL`), and the first of its spelling. Matched by name alone, the two would be
 * filled by their order, and a later file ordering them otherwise would swap their values. (Each header
 * read once: compared pair by pair, the 1,147 of a wide file took 0.7 s.)
 */
function spelledOut(columns: InferredColumn[]): boolean[] {
  const keys = columns.map((c) => headerKey(c.header));
  const trimmed = columns.map((c) => c.header.trim());
  const first = new Map<string, number>();
  const spellings = new Map<string, Set<string>>();
  trimmed.forEach((t, i) => {
    first.set(t, first.get(t) ?? i);
    spellings.set(keys[i]!, (spellings.get(keys[i]!) ?? new Set()).add(t));
  });
  return columns.map((_, i) => keys[i] !== '' && first.get(trimmed[i]!) === i && spellings.get(keys[i]!)!.size > 1);
}

/** `personal`: why the column is personal data (personal-names.ts), declared so and said. */
function columnYaml(c: InferredColumn, isKey: boolean, datasetNulls: string[], required: boolean, spelled = false, personal?: string): string {
  const fields = [`type: ${c.type}`];
  if (spelled) fields.push(`header: ${JSON.stringify(c.header.trim())}`);
  if (isKey || required) fields.push('required: true');
  if (c.format) fields.push(`format: ${isEpochFormat(c.format) ? c.format : JSON.stringify(c.format)}`);
  if (c.unit) fields.push(`unit: ${JSON.stringify(c.unit)}`);
  if (c.magnitudes) fields.push('magnitudes: true');
  if (c.excelText) fields.push('excel_text: true');
  // Seen, or beside the marks of an office that flags figures: its next release's revised `"20,799.0 r"` reads.
  if (c.flags || (['integer', 'number', 'decimal'].includes(c.type) && c.nullValues?.some((v) => FLAGGING_MARKS.includes(v)))) fields.push('flags: true');
  if (c.type === 'decimal' && c.scale !== undefined) fields.push(`scale: ${c.scale}`);
  if (personal) fields.push('personal: true');
  // A column's own spellings replace the dataset's: those too.
  if (c.nullValues?.length) fields.push(`null_values: [${[...new Set([...datasetNulls, ...c.nullValues])].map((v) => JSON.stringify(v)).join(', ')}]`);
  const header = !c.header ? 'no name in the header' : c.header !== c.name && !spelled ? `header ${JSON.stringify(c.header)}` : '';
  // DuckDB's %y puts 00–68 in the 2000s and 69–99 in the 1900s: a birth date "05/01/60" would be in 2060.
  const century = c.format?.includes('%y') ? 'two-digit years: 00–68 read as 2000–2068, 69–99 as 1969–1999: check' : '';
  // Told by its name and the range of its integers only: said, with the way back.
  const epoch = isEpochFormat(c.format) ? `integers read as ${epochSaid(c.format)} (Unix time); if they are not instants, declare type: integer` : '';
  // A spreadsheet's formula of text, written so that Excel keeps the code's leading zeros: said, since the file shows ="...".
  const formula = c.excelText ? `written as Excel formulas of text (="0316769487", so that a spreadsheet keeps a code's leading zeros): read as the text inside the quotes, ="" as missing${c.code ? '; digits, but a code: text' : ''}` : '';
  const code = c.excelText ? '' : c.code ? 'digits, but a code: text keeps a leading zero (01001) that an integer would drop' : c.dottedId ? 'numbers with a point, but named as an id: text keeps each as written (5788.10) where a number would drop its last zero (5788.1); if it is a measure, declare type: number' : '';
  const precise = c.type === 'decimal' ? 'numbers of more digits than a double holds: a decimal, so that none is rounded' : c.tooPrecise ? 'numbers of more digits than even a decimal of 18 holds: text, so that none is rounded' : '';
  const empty = c.emptyYear ? `empty in every row, typed ${c.type} as the other years are` : c.distinct === 0 ? 'empty in every row: text until values tell; set its type if you know it' : '';
  const kind = c.nearly?.type === 'integer' ? 'integers' : `${c.nearly?.type}s`;
  const nearly = !c.nearly
    ? ''
    : c.nearly.code !== undefined
      ? `all but ${c.nearly.failing} of its values read as ${kind}, ${c.nearly.failing > 1 ? 'those being' : 'that one'} ${JSON.stringify(c.nearly.code)}: if it marks a missing value, declare type: ${c.nearly.type}, null_values: [${JSON.stringify(c.nearly.code)}]; if an error, type: ${c.nearly.type} alone, and the run quarantines ${c.nearly.failing > 1 ? 'those rows' : 'that row'}`
      : `all but ${c.nearly.failing} of its values read as ${kind}: if ${c.nearly.failing > 1 ? 'those are errors' : 'that one is an error'}, declare type: ${c.nearly.type}, and the run quarantines ${c.nearly.failing > 1 ? 'them' : 'it'}`;
  const nines = c.nines ? `${c.nines.value} in ${c.nines.rows} rows, far from every other value: read as missing (null_values); if it is a value, take it out` : '';
  const below = c.type === 'text' ? undefined : c.nullValues?.find((v) => v.startsWith('<'));
  const trace = [c.type !== 'text' && c.nullValues?.includes('T') ? `"T" (NOAA's trace: too little to measure) read as missing` : '', below ? `${JSON.stringify(below)} (a figure below ${below.slice(1)}, not published) read as missing` : ''].filter(Boolean).join('; ');
  const magnitudes = c.magnitudes ? 'numbers with a magnitude after them: 52.34K read as 52340, M millions, B billions, T trillions' : '';
  // A figure's flag (StatCan's `490.3E`, a revised `"20,799.0 r"`): said, since the figure is read without it.
  const flagged = c.flags ? `some figures written with a flag after them (${c.flags.join(', ')}: a quality grade, revised, provisional...): read without it` : '';
  const masked = personal ? `personal data (${personal}): masked for readers and the public` : '';
  const note = [header, masked, c.ambiguousWith ? `also reads as ${c.ambiguousWith}: check` : '', century, epoch, magnitudes, formula, flagged, code, empty, nearly, nines, trace, precise].filter(Boolean).join('; ');
  return `${c.name}: { ${fields.join(', ')} }${note ? `   # ${note}` : ''}`;
}
