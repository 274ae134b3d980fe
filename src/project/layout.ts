import { stat } from 'node:fs/promises';
import { readTextStart, type SourceEncoding } from '../pipeline/csv-encoding.js';
import { matchHeader, parseHeader } from '../pipeline/csv-header.js';
import { datasetHeader } from '../pipeline/dataset-header.js';
import type { DatasetSpec } from './types.js';

/**
 * How a CSV export is laid out before its rows: its delimiter, and the lines before its header (a
 * title, the notes World Bank and statistics offices put first, Excel's `sep=;`, blank lines), which
 * a definition skips with `skip_lines`. Read from the file's first 64 KiB, for `init --from-csv`.
 */
export interface CsvLayout {
  delimiter: string;
  /** Lines before the header, blank ones included (as DuckDB's `skip` counts them). */
  skipLines: number;
}

// `::` before `|`: MovieLens' `1::Toy Story (1995)::Animation|Comedy` is split by the first.
const DELIMITERS = [',', ';', '\t', '::', '|'];
/** Lines looked at: enough for a preamble (World Bank's is 4 lines) and the data's width after it. */
const LINES_READ = 60;
/** Lines a preamble may take: past them, a shorter first line is the header of a ragged file. */
const MAX_PREAMBLE = 30;

/**
 * The delimiter that splits the header and most of the first data lines into as many fields (DuckDB's
 * sniffed one first, then the usual ones), else the one splitting the header and some data line; when
 * no data line is split, the file is one column ("Total (a|b)"). The header is the first line as wide
 * as the data, after lines that read as a title or notes (see headerLine).
 */
export async function csvLayout(file: string, sniffed: string | undefined): Promise<CsvLayout> {
  return layoutOf(await firstLines(file), sniffed);
}

/** The delimiters DuckDB's sniffer chooses among (DuckDB 1.5; `,` for a file of none of them). */
const SNIFFED = [',', '|', ';', '\t'];

/**
 * csvLayout, asking DuckDB's sniffer (`sniff`) only where its answer could change the layout: it only
 * puts its delimiter first among the candidates, and most files give one layout whichever comes first.
 * The sniffer took 0.4–3 s of a wide file (Johns Hopkins' 1,147 columns); the layouts, milliseconds.
 */
export async function sniffedLayout(file: string, sniff: () => Promise<string | undefined>): Promise<CsvLayout> {
  const lines = await firstLines(file);
  const [first, ...others] = [undefined, ...SNIFFED].map((d) => layoutOf(lines, d));
  if (others.every((l) => l.delimiter === first!.delimiter && l.skipLines === first!.skipLines)) return first!;
  return layoutOf(lines, await sniff());
}

function layoutOf(lines: string[], sniffed: string | undefined): CsvLayout {
  // Excel's line naming the delimiter: `sep=;`, `"sep=,"`, `sep=<tab>`, sometimes with delimiters after it.
  const excel = /^"?sep=([^"\r\n])/i.exec(lines[0] ?? '');
  // A title or notes may follow it ("Export du 01/02/2024", a blank line).
  if (excel) return { delimiter: excel[1]!, skipLines: physicalLines(lines, 1 + headerLine(lines.slice(1), excel[1]!)) };
  const candidates = [...new Set([...(sniffed === undefined ? [] : [sniffed]), ...DELIMITERS])];
  const layouts = candidates.map((delimiter) => {
    const skipLines = headerLine(lines, delimiter);
    const [header = '', ...data] = lines.slice(skipLines).filter((l) => l.trim() !== '').slice(0, 6);
    // A row ending with a delimiter its header does not end with (`1;03/01/2022;55000,00;BOURG;`) is as wide as it too.
    const trailing = !header.endsWith(delimiter);
    return { delimiter, skipLines, header: fields(header, delimiter), data: data.map((l) => ({ width: fields(l, delimiter), trailing: trailing && l.endsWith(delimiter) })) };
  });
  const asWide = (l: (typeof layouts)[number], d: (typeof layouts)[number]['data'][number]) => d.width === l.header || (d.trailing && d.width === l.header + 1);
  const everyAsWide = (l: (typeof layouts)[number]) => l.data.length > 0 && l.data.every((d) => asWide(l, d));
  const splits = layouts.filter((l) => l.header > 1);
  const regular = splits.filter((l) => l.data.filter((d) => asWide(l, d)).length * 2 >= l.data.length);
  const first = regular[0];
  const chosen =
    // `::` splitting every line alike from the first is the file's, whatever DuckDB's sniffer (which knows none of two characters) says.
    splits.find((l) => l.delimiter === '::' && l.skipLines === 0 && l.data.length > 0 && l.data.every((d) => d.width === l.header)) ??
    // A delimiter splitting the lines alike only after a row taken for a header, or only most of them, gives way to
    // one splitting every line alike into more columns: a `;` file's decimal commas (`55000,00`) split its rows too.
    // Of as many columns, the one taking fewer lines for a title: `date;valeur` is no title over `01/03/2024;1,5`.
    (first && (first.skipLines > 0 || !everyAsWide(first)) ? regular.find((l) => everyAsWide(l) && (l.header > first.header || (l.header === first.header && l.skipLines < first.skipLines))) : undefined) ??
    first ??
    // Ragged data lines (silver quarantines them), split by the delimiter of the header.
    splits.find((l) => l.data.some((d) => d.width > 1)) ??
    // No data line is split: one column, whatever its header holds.
    layouts.find((l) => l.header === 1);
  return chosen ? { delimiter: chosen.delimiter, skipLines: physicalLines(lines, chosen.skipLines) } : { delimiter: ',', skipLines: 0 };
}

/** Whether the file's first lines hold a quoted value with a line break (`"two<LF>lines"`): a file whose values are quoted. */
/**
 * A file whose header is at another line than its dataset's `skip_lines` says (a later export without
 * Excel's `sep=;` line, a title of another length): read at that line, a data row would be taken for the
 * header and every row for a row of missing values. Told when the line csvLayout finds names more of
 * the declared columns than the line skip_lines reads (a preamble csvLayout cannot tell, `Exported
 * by,admin`, leaves the declared line the better one). The reason it waits, in the words of `check
 * --sources` and of bronze alike; undefined when the header is where it should be.
 */
export async function headerElsewhere(file: string, name: string, spec: DatasetSpec, encoding: SourceEncoding = 'utf-8'): Promise<string | undefined> {
  // With header_rows: 2, the header starts with its questions' line, which skipLines counts.
  const second = spec.headerRows ? 1 : 0;
  const skip = (spec.skipLines ?? 0) - second;
  if (spec.headerless) return undefined;
  const { skipLines } = await csvLayout(file, spec.delimiter);
  if (skipLines === skip) return undefined;
  const named = async (lines: number) => {
    const header = await datasetHeader(file, spec, encoding, lines + second).catch(() => undefined);
    return header ? matchHeader(header, spec).names.filter((n, i) => !n.startsWith('_extra_') && header[i]!.trim() !== '').length : 0;
  };
  if ((await named(skipLines)) <= (await named(skip))) return undefined;
  return `${name}: its header looks like line ${skipLines + 1}, where skip_lines (${skip}) in datasets/${spec.name}.yml reads line ${skip + 1}: every file of a dataset needs as many lines before its header`;
}

export async function hasQuotedLineBreak(file: string): Promise<boolean> {
  return (await firstLines(file)).some((l) => l.includes('\n'));
}

/** The file's lines before `lines[index]` (a line joined from several, a quoted line break, counts as many). */
function physicalLines(lines: string[], index: number): number {
  return lines.slice(0, index).reduce((n, l) => n + 1 + (l.match(/\n/g)?.length ?? 0), 0);
}

/**
 * The index of the header among `lines`: the first line as wide as the data (the width of its longest
 * run of lines of two fields or more, see longestRun) with two values or
 * more, when the lines before it read as notes: each has fewer values than it, and one value only
 * ("Source: UN", Excel's "Report,,,") or a blank line between them and it (World Bank's "Last Updated
 * Date","2024-06-28",), or a width no line under it has, over rows it reads as names of (Coinbase's
 * "User,Jane Q. Doe,<id>"). Else the first line that is not blank. A header's first name is no number
 * (but after lines of one field, a title):
 * `1,Bob,,` after `id,name` and a blank line is a row, its header `id,name` (rows ending with
 * delimiters, or with unquoted commas in a value, are wider than their header).
 */
export function headerLine(lines: string[], delimiter: string): number {
  // A line of delimiters only (",,,", as spreadsheets save an empty row) is blank.
  const rows = lines.flatMap((line, index) => {
    const values = parseHeader(line, delimiter);
    const filled = values.filter((v) => v !== '').length;
    return filled === 0 ? [] : [{ index, width: values.length, filled, firstValue: values.find((v) => v !== '')!, digits: values.filter((v) => /[0-9]/.test(v)).length }];
  });
  const first = rows[0]?.index ?? 0;
  const width = longestRun(lines, rows);
  if (width === undefined) return first;
  const header = rows.findIndex((r) => r.width === width && r.filled >= 2);
  if (header <= 0 || rows[header]!.index > MAX_PREAMBLE) return first;
  const candidate = rows[header]!;
  const notes = rows.slice(0, header);
  const setApart = candidate.index > notes.at(-1)!.index + 1;
  // A line of a few values right above the header (Coinbase's `User,Jane Q. Doe,<uuid>`) is a note when no line under
  // the header is as wide as it and the header reads as names over the rows: fewer of its values with digits than in
  // each row under it. (A header narrower than its rows, `name,note` over `Bob,a, b`, stays: the row taken for a header has the rows' digits.)
  const under = rows.slice(header + 1);
  const namesOverRows = under.length > 0 && under.slice(0, 5).every((r) => r.digits > candidate.digits);
  const aboveHeader = (note: (typeof rows)[number]) => namesOverRows && !under.some((r) => r.width === note.width);
  // A title with commas in it (ONS's `Table 1: Households ..., England, 2019 to 2023`) is split in a few values: a note still.
  const readAsNotes = notes.every((r) => r.filled < candidate.filled && (r.filled === 1 || setApart || readsAsNote(r.firstValue) || aboveHeader(r)));
  // Lines of one field before it are a title whatever follows: a row (no header, UCI's `adult.test`) is then the header line, which init reads as a row (`header: false`).
  return readAsNotes && (!/^[+-]?[0-9]/.test(candidate.firstValue) || notes.every((r) => r.width === 1)) ? candidate.index : first;
}

/** A title or a note (`Table 1: ...`, `Source: ...`, a sentence): a colon after a word, or 30 characters or more with a space. */
function readsAsNote(value: string): boolean {
  return /^[\p{L}][^:]*\p{L}[^:]*:/u.test(value) || (value.length >= 30 && value.includes(' ') && /\p{L}/u.test(value)) || /^(table|source|note|notes|footnote|figure|chart)\b/i.test(value);
}

function fields(line: string, delimiter: string): number {
  return parseHeader(line, delimiter).length;
}

/**
 * The data's width: that of the longest run of lines of one width (two fields or more), a blank line
 * ending a run; of two runs as long, the wider; a run of three fields or more before one of two. Lines
 * of notes, titles and footnotes come alone or in short runs, set apart by blank lines, or as pairs (a
 * bank's `IBAN;DE12...` lines outnumber its rows of nine fields); the header and rows come in one.
 */
function longestRun(lines: string[], rows: { index: number; width: number }[]): number | undefined {
  const at = new Map(rows.map((r) => [r.index, r.width]));
  const best = new Map<number, number>();
  let width: number | undefined;
  let run = 0;
  for (let i = 0; i < lines.length; i++) {
    const w = at.get(i);
    if (w === undefined || w < 2) {
      width = undefined;
      run = 0;
      continue;
    }
    run = w === width ? run + 1 : 1;
    width = w;
    best.set(w, Math.max(best.get(w) ?? 0, run));
  }
  // Pairs (`IBAN;DE12...`, `Kunde;Max Mustermann`) are what notes are written as: a table of three columns or
  // more, a header and a row at least, is the data beside them.
  const wide = [...best].filter(([w, n]) => w >= 3 && n >= 2);
  let chosen: number | undefined;
  for (const [w, n] of wide.length ? wide : best) if (chosen === undefined || n > best.get(chosen)! || (n === best.get(chosen)! && w > chosen)) chosen = w;
  return chosen;
}

/** The file's first lines, without BOM and line ends; the last one read is kept only when the file ends there. */
async function firstLines(file: string): Promise<string[]> {
  const start = await readTextStart(file, 64 * 1024);
  const all = start.toString('utf8').replace(/^\uFEFF/, '').split('\n');
  return joinQuotedBreaks(((await stat(file)).size > 64 * 1024 ? all.slice(0, -1) : all).slice(0, LINES_READ)).map((l) => l.replace(/\r$/, ''));
}

/**
 * Lines joined where a quoted field holds a line break (Excel's wrapped text, in the header or a row),
 * so that each is one line here as it is one record for a CSV reader. Only a quote opening a field (at
 * the line's start or after a delimiter) and closed within a few lines joins: a stray inch mark
 * (`12" ruler`) does not swallow the lines after it.
 */
function joinQuotedBreaks(lines: string[]): string[] {
  const opensField = (text: string) => /(^|[,;\t|])"([^"]|"")*$/.test(text.replace(/\r$/, ''));
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    let last = i;
    for (let k = i + 1; opensField(line) && k <= i + 3 && k < lines.length; k++) {
      const joined = lines.slice(i, k + 1).join('\n');
      if (!opensField(joined) && (joined.match(/"/g)?.length ?? 0) % 2 === 0) {
        line = joined;
        last = k;
        break;
      }
    }
    out.push(line);
    i = last;
  }
  return out;
}
