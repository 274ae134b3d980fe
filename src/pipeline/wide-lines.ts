import fs from 'node:fs/promises';
import { textChunksOf } from './csv-file.js';
import type { Quoting } from './csv-header.js';

/**
 * DuckDB's CSV reader takes the fields a line has past the declared columns for trailing delimiters
 * when they are all empty, and drops them, strict mode or not: under `order_id,customer,city,country,
 * amount,discount`, the line `10,cust10,Paris, Texas,USA,15.00,` of an export that does not quote the
 * delimiter inside a value (its discount empty) loads shifted, `Texas` as its country and `USA` as its
 * amount, where the same line with a discount is rejected as too many columns. Such a line is wider
 * than the file's rows: wideLines finds it, with its place in the file, for the cleaning to reject it as
 * DuckDB rejects the other (and init not to type columns from it).
 *
 * A file whose rows all end with the delimiter its header does not end with (SAP's and many French
 * exports: `1;03/01/2022;55000,00;BOURG;` under `id;date;amount;city`) reads its rows one field wider
 * than the header: a row is as wide as most of the file's first rows are (ROWS_SAMPLED), and a line is
 * too wide only past that. Not where one of those rows fills such a field: then the rows hold a value
 * past the header's names (Monzo's export: one more field than its header in every row, the last one
 * filled in some), and the lines that leave it empty load shifted as well.
 */

export interface WideLine {
  /** Its place among the rows the reader reads (0 for the first). */
  record: number;
  /** Its line as DuckDB numbers lines (its rejects' `line`): one more than the line ends before it outside quotes. */
  line: number;
  /** The byte offsets of its start and of the line after it. */
  begin: number;
  next: number;
  fields: number;
  /** Its text, without its line end. */
  text: string;
}

export interface WideScan {
  /** Records read (blank lines are none, as bronze counts them), the header aside. */
  records: number;
  /** The fields of the file's rows: the columns, or more where rows end with delimiters the header does not. */
  width: number;
  lines: WideLine[];
}

export interface WideOptions {
  /** The columns the reader declares: the header's fields. */
  columns: number;
  delimiter: string;
  quoting: Quoting;
  skipLines?: number | undefined;
  /** The first line is a row (`header: false`). */
  headerless?: boolean | undefined;
}

/** The first rows whose width is voted on (as a sniffer reads a file's first rows). */
const ROWS_SAMPLED = 1000;

/**
 * The lines of `file` wider than its rows whose extra fields are all empty (see above): those DuckDB's
 * reader reads as rows of the declared columns. One pass, reading as the reader reads (a quote opens a
 * value only at its start, `""` inside is a quote of it, `\"` too with `escape: backslash`); a line's
 * fields are counted only where its last one is empty, after the first rows.
 */
export async function wideLines(file: string, o: WideOptions): Promise<WideScan> {
  const delimiter = Buffer.from(o.delimiter);
  const size = delimiter.length;
  const first = delimiter[0]!;
  const quoted = o.quoting !== 'none';
  const isDelimiter = (buf: Buffer, i: number) => buf[i] === first && (size === 1 || delimiter.every((b, j) => buf[i + j] === b));
  let readerLine = 1;
  let skipped = 0;
  let headerRead = o.headerless === true;
  let records = 0;
  // Of the first rows the reader reads (no field but empty ones past the columns), how many are k fields wider than the columns.
  const votes = new Map<number, number>();
  // The fewest empty fields at the end of a first line that fills a field past the columns: a column the header does not name, which no row's spare field is.
  let filled = Infinity;
  let spare: number | undefined;
  const sampled: WideLine[] = [];
  const lines: WideLine[] = [];

  /** The fields of a line without quotes, and how many of the last ones are empty (all of them: as many). */
  const trailingEmpty = (buf: Buffer, b: number, end: number) => {
    let n = 0;
    let k = end;
    while (k - size >= b && isDelimiter(buf, k - size)) {
      n++;
      k -= size;
    }
    return k === b ? n + 1 : n;
  };
  const fieldsOf = (buf: Buffer, b: number, end: number) => {
    let n = 1;
    // Byte by byte: rows are short, and a native search per field cost more.
    for (let i = b; i < end; i++) {
      if (buf[i] === first && (size === 1 || isDelimiter(buf, i))) {
        n++;
        i += size - 1;
      }
    }
    return n;
  };

  /** Counts a record: whether its fields must be counted (one of the first rows, or empty fields enough at its end to be too wide). */
  const counts = (empty: number): boolean => {
    if (!headerRead) {
      headerRead = true;
      return false;
    }
    records++;
    return spare === undefined || empty > spare;
  };
  /** A record counted, of `width` fields, `empty` of them empty at its end, at `line` and bytes `begin` to `next`, its text `buf[b, end)`. */
  const judge = (width: number, empty: number, line: number, begin: number, next: number, buf: Buffer, b: number, end: number) => {
    // Read by the reader as a row: as wide as the columns, or wider with only empty fields past them (and not empty all along).
    const read = width === o.columns || (width > o.columns && empty >= width - o.columns && empty < width);
    if (spare === undefined && read) votes.set(width - o.columns, (votes.get(width - o.columns) ?? 0) + 1);
    if (spare === undefined && width - o.columns > empty) filled = Math.min(filled, empty);
    if (read && width > o.columns + (spare ?? 0)) (spare === undefined ? sampled : lines).push({ record: records - 1, line, begin, next, fields: width, text: buf.toString('utf8', b, end).replace(/\r$/, '') });
    if (spare === undefined && records === ROWS_SAMPLED) decide();
  };
  const decide = () => {
    // Most of them; of as many, the narrower; no more than empty in every line.
    spare = 0;
    for (const [k, n] of votes) if (n > (votes.get(spare) ?? 0) || (n === votes.get(spare) && k < spare)) spare = k;
    spare = Math.min(spare, filled);
    lines.push(...sampled.filter((l) => l.fields > o.columns + spare!));
  };

  // A record read over several lines (a quoted line break): its lines so far and where its reading is.
  let open: { parts: Buffer[]; state: QuoteState; line: number; begin: number } | undefined;
  const closeOpen = (next: number) => {
    const { parts, state, line: at, begin } = open!;
    open = undefined;
    endField(state);
    if (counts(state.trailing)) {
      const text = Buffer.concat(parts.flatMap((p, i) => (i ? [Buffer.from('\n'), p] : [p])));
      judge(state.fields, state.trailing, at, begin, next, text, 0, text.length);
    }
    readerLine++;
  };
  /** The line `buf[b, e)` (its line end after it), `quote` whether it holds a quote. */
  const line = (buf: Buffer, b: number, e: number, quote: boolean, begin: number, next: number) => {
    if (skipped < (o.skipLines ?? 0)) {
      skipped++;
      readerLine++;
      return;
    }
    const end = e > b && buf[e - 1] === 13 ? e - 1 : e;
    if (open) {
      open.parts.push(Buffer.from(buf.subarray(b, e)));
      open.state.empty = false; // the value holds the line break
      readQuoted(open.state, buf, b, end, isDelimiter, size, o.quoting);
      if (!open.state.inQuotes) closeOpen(next);
      return;
    }
    if (quoted && quote) {
      const state = newState();
      readQuoted(state, buf, b, end, isDelimiter, size, o.quoting);
      if (state.inQuotes) {
        open = { parts: [Buffer.from(buf.subarray(b, e))], state, line: readerLine, begin };
        return;
      }
      endField(state);
      if (counts(state.trailing)) judge(state.fields, state.trailing, readerLine, begin, next, buf, b, end);
    } else if (!blank(buf, b, e) || (first === 9 && fieldsOf(buf, b, end) === o.columns)) {
      // (In a tab-separated file, a line of tabs as wide as the rows is a row of empty fields, which the reader reads.)
      const empty = trailingEmpty(buf, b, end);
      if (counts(empty)) judge(fieldsOf(buf, b, end), empty, readerLine, begin, next, buf, b, end);
    }
    readerLine++;
  };

  let offset = 0;
  let carried: Buffer[] = [];
  let carriedFrom = 0;
  for await (const chunk of textChunksOf(file)) {
    // A byte-order mark is no part of the first field: a quote after it opens the value.
    let i = offset === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? 3 : 0;
    // The next quote at or after i (-1: none left in the chunk), searched again once passed.
    let q = chunk.indexOf(34, i);
    for (;;) {
      const n = chunk.indexOf(10, i);
      if (n === -1) {
        // (A copy: the reader's buffer is reused for the next chunk.)
        if (i < chunk.length) {
          if (!carried.length) carriedFrom = offset + i;
          carried.push(Buffer.from(chunk.subarray(i)));
        }
        break;
      }
      if (q !== -1 && q < i) q = chunk.indexOf(34, i);
      if (carried.length) {
        const whole = Buffer.concat([...carried, chunk.subarray(i, n)]);
        carried = [];
        line(whole, 0, whole.length, whole.includes(34), carriedFrom, offset + n + 1);
      } else line(chunk, i, n, q !== -1 && q < n, offset + i, offset + n + 1);
      i = n + 1;
    }
    offset += chunk.length;
  }
  if (carried.length) {
    const whole = Buffer.concat(carried);
    line(whole, 0, whole.length, whole.includes(34), carriedFrom, offset);
  }
  // A quote never closed: the rest of the file is its record, as the reader reads it.
  if (open) closeOpen(offset);
  if (spare === undefined) decide();
  return { records, width: o.columns + spare!, lines };
}

/** A line of nothing but a few spaces, tabs or a CR: a blank line, as bronze counts them (see RecordCounter), no record. */
function blank(buf: Buffer, b: number, e: number): boolean {
  if (e - b > 64) return false;
  for (let i = b; i < e; i++) if (buf[i] !== 32 && buf[i] !== 9 && buf[i] !== 13) return false;
  return true;
}

/** Where the reading of a quoted record is: in quotes or not, its fields so far, the empty ones at its end, the current field's start. */
interface QuoteState {
  inQuotes: boolean;
  fields: number;
  trailing: number;
  /** Nothing but spaces read of the current field: a quote opens it. */
  start: boolean;
  /** The current field has nothing (a `""` is nothing). */
  empty: boolean;
  quotedField: boolean;
}

function newState(): QuoteState {
  return { inQuotes: false, fields: 0, trailing: 0, start: true, empty: true, quotedField: false };
}

function endField(s: QuoteState): void {
  s.fields++;
  s.trailing = s.empty ? s.trailing + 1 : 0;
  s.start = true;
  s.empty = true;
  s.quotedField = false;
}

/** Reads `buf[b, end)`, a line of a record with quotes, as DuckDB's reader does. */
function readQuoted(s: QuoteState, buf: Buffer, b: number, end: number, isDelimiter: (buf: Buffer, i: number) => boolean, size: number, quoting: Quoting): void {
  for (let i = b; i < end; i++) {
    const c = buf[i]!;
    if (s.inQuotes) {
      if (quoting === '\\' && c === 92) {
        i++;
        s.empty = false;
      } else if (c === 34 && i + 1 < end && buf[i + 1] === 34) {
        i++;
        s.empty = false;
      } else if (c === 34) s.inQuotes = false;
      else s.empty = false;
    } else if (isDelimiter(buf, i)) {
      endField(s);
      i += size - 1;
    } else if (c === 34 && s.start) {
      s.inQuotes = true;
      s.quotedField = true;
      s.start = false;
    } else {
      if (c !== 32) s.start = false;
      // Spaces after a closing quote leave `"" ` empty, as the reader reads it.
      if (!(s.quotedField && c === 32)) s.empty = false;
    }
  }
}

/**
 * A copy of `file` at `target` without its lines wider than its rows (init types a file's columns from
 * it), or the file itself when there are none; `left` says how many were left out.
 */
export async function withoutWideLines(file: string, o: WideOptions, target: string): Promise<{ file: string; left: number }> {
  const { lines } = await wideLines(file, o);
  if (!lines.length) return { file, left: 0 };
  const input = await fs.open(file);
  const output = await fs.open(target, 'w');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    const copy = async (from: number, to: number) => {
      for (let at = from; at < to; ) {
        const { bytesRead } = await input.read(buffer, 0, Math.min(buffer.length, to - at), at);
        if (bytesRead === 0) break;
        await output.write(buffer, 0, bytesRead);
        at += bytesRead;
      }
    };
    let at = 0;
    for (const l of lines) {
      await copy(at, l.begin);
      at = l.next;
    }
    await copy(at, (await input.stat()).size);
  } finally {
    await input.close();
    await output.close();
  }
  return { file: target, left: lines.length };
}
