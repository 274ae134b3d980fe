import fs from 'node:fs/promises';
import { textChunksOf } from './csv-file.js';
import type { DatasetSpec } from '../project/types.js';
import { quotingOf, type Quoting } from './csv-header.js';

/**
 * A carriage return (CR) inside an unquoted field of a file whose lines end with CRLF or LF
 * (`1,Alice,hello<CR>world<CR><LF>`: a cell pasted from an old Mac tool, a stray byte of a
 * concatenation) stops DuckDB's CSV reader for the whole file ("the CSV Parser state machine reached
 * an invalid state"), strict mode or not, whatever `new_line` says: it takes any CR for a line end.
 * Such a line is rejected rather than read: a CR is no character of an unquoted value (RFC 4180;
 * PostgreSQL's COPY refuses one too) and it may as well be a line end lost (two rows run together),
 * which no reading can tell. Looked for only once the reader refuses a file: a clean file costs
 * nothing. A CR inside a quoted value is the value's, as the reader reads it; a file ending its lines
 * with CR only is read with LF for each (crOnlyStart) and holds none.
 */

/** Why such a line is quarantined (its `_detail`): what it holds, and what to do. */
export const BARE_CR_MESSAGE = 'a carriage return (CR) inside an unquoted field: quote the field or remove the CR';

export interface CrLine {
  /** Its place among the rows the reader reads (0 for the first), as wide-lines.ts counts them. */
  record: number;
  /** Its line as DuckDB numbers lines (its rejects' `line`): one more than the line ends before it outside quotes. */
  line: number;
  /** The byte offsets of its start and of the line after it. */
  begin: number;
  next: number;
  /** Its text, without its line end. */
  text: string;
}

export interface CrScan {
  /** The data records with a bare CR. */
  lines: CrLine[];
  /** The offset of every bare CR (a blank line's and the header's too). */
  crs: number[];
}

export interface CrOptions {
  delimiter: string;
  quoting: Quoting;
  skipLines?: number | undefined;
  /** The first line is a row (`header: false`). */
  headerless?: boolean | undefined;
}

/** Where the reading of a record is: in quotes or not, and whether only spaces were read of the current field (a quote then opens it). */
interface Reading {
  inQuotes: boolean;
  start: boolean;
}

/**
 * The records of `file` holding a CR outside quotes that ends no line (a CR before an LF ends one),
 * read as DuckDB's reader reads (a quote opens a value only at its start, `""` inside is a quote of it,
 * `\"` too with `escape: backslash`; records and reader lines counted as wide-lines.ts counts them).
 */
export async function bareCrs(file: string, o: CrOptions): Promise<CrScan> {
  const delimiter = Buffer.from(o.delimiter);
  const quoted = o.quoting !== 'none';
  let readerLine = 1;
  let skipped = 0;
  let headerRead = o.headerless === true;
  let records = 0;
  const found: CrScan = { lines: [], crs: [] };
  // The record being read, over several lines when a quote holds a line break.
  let open: { parts: Buffer[]; begin: number; line: number; crs: number; reading: Reading } | undefined;

  /** The line `buf[b, e)` (its LF at `e`, or the file's end), `base` the offset of `buf[0]` in the file. */
  const line = (buf: Buffer, b: number, e: number, base: number) => {
    const end = e > b && buf[e - 1] === 13 ? e - 1 : e;
    if (skipped < (o.skipLines ?? 0)) {
      // A line before the header is one whatever it holds: a CR in it would be a line end to the reader.
      for (let k = buf.indexOf(13, b); k !== -1 && k < end; k = buf.indexOf(13, k + 1)) found.crs.push(base + k);
      skipped++;
      readerLine++;
      return;
    }
    const content = buf.subarray(b, end);
    // Most lines: no CR but their end, no quote, no record open.
    if (!open && !content.includes(13) && !(quoted && content.includes(34))) {
      if (!blank(content)) count();
      readerLine++;
      return;
    }
    const r = open ?? { parts: [], begin: base + b, line: readerLine, crs: 0, reading: { inQuotes: false, start: true } };
    r.parts.push(Buffer.from(buf.subarray(b, e)));
    const before = found.crs.length;
    read(r.reading, buf, b, end, delimiter, o.quoting, (i) => found.crs.push(base + i));
    r.crs += found.crs.length - before;
    if (r.reading.inQuotes && e < buf.length) {
      open = r;
      return;
    }
    open = undefined;
    const text = Buffer.concat(r.parts.flatMap((p, i) => (i ? [Buffer.from('\n'), p] : [p]))).toString('utf8').replace(/\r$/, '');
    if ((r.parts.length > 1 || !blank(content)) && count() && r.crs) found.lines.push({ record: records - 1, line: r.line, begin: r.begin, next: base + e + 1, text });
    readerLine++;
  };
  /** Counts a record: whether it is a data row (not the header). */
  const count = (): boolean => {
    if (!headerRead) return !(headerRead = true);
    records++;
    return true;
  };

  let offset = 0;
  let carried: Buffer[] = [];
  let carriedFrom = 0;
  for await (const chunk of textChunksOf(file)) {
    let i = 0;
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
      if (carried.length) {
        const whole = Buffer.concat([...carried, chunk.subarray(i, n + 1)]);
        carried = [];
        line(whole, 0, whole.length - 1, carriedFrom);
      } else line(chunk, i, n, offset);
      i = n + 1;
    }
    offset += chunk.length;
  }
  if (carried.length) {
    const whole = Buffer.concat(carried);
    line(whole, 0, whole.length, carriedFrom);
  }
  return found;
}

/** Reads `buf[b, end)`, a line of a record, as the reader does: `cr` hears each CR outside quotes. */
function read(s: Reading, buf: Buffer, b: number, end: number, delimiter: Buffer, quoting: Quoting, cr: (i: number) => void): void {
  if (!s.inQuotes) s.start = true;
  for (let i = b; i < end; i++) {
    const c = buf[i]!;
    if (s.inQuotes) {
      if (quoting === '\\' && c === 92) i++;
      else if (c === 34 && i + 1 < end && buf[i + 1] === 34) i++;
      else if (c === 34) s.inQuotes = false;
    } else if (c === delimiter[0] && delimiter.every((d, j) => buf[i + j] === d)) {
      s.start = true;
      i += delimiter.length - 1;
    } else if (c === 34 && s.start && quoting !== 'none') {
      s.inQuotes = true;
      s.start = false;
    } else {
      if (c === 13) cr(i);
      if (c !== 32) s.start = false;
    }
  }
}

/** A line of nothing but a few spaces, tabs or CRs: a blank line, as bronze counts them (see RecordCounter), no record. */
function blank(content: Buffer): boolean {
  return content.length <= 64 && content.every((c) => c === 32 || c === 9 || c === 13);
}

/**
 * A copy of `file` at `target` with each of `scan`'s bare CRs a space (one byte for one: every line and
 * offset stays where it was), which the reader reads; or, with `dropLines`, without the records holding
 * one (init types a file's columns from the others).
 */
export async function copyWithoutBareCrs(file: string, scan: CrScan, target: string, dropLines = false): Promise<string> {
  const input = await fs.open(file);
  const output = await fs.open(target, 'w');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    let k = 0;
    const copy = async (from: number, to: number) => {
      for (let at = from; at < to; ) {
        const { bytesRead } = await input.read(buffer, 0, Math.min(buffer.length, to - at), at);
        if (bytesRead === 0) break;
        while (k < scan.crs.length && scan.crs[k]! < at) k++;
        for (; k < scan.crs.length && scan.crs[k]! < at + bytesRead; k++) buffer[scan.crs[k]! - at] = 32;
        await output.write(buffer, 0, bytesRead);
        at += bytesRead;
      }
    };
    let at = 0;
    for (const l of dropLines ? scan.lines : []) {
      await copy(at, l.begin);
      at = l.next;
    }
    await copy(at, (await input.stat()).size);
  } finally {
    await input.close();
    await output.close();
  }
  return target;
}

/** A copy of a file of `spec` at `target` with a space for each bare CR, and the records holding one; undefined when it holds none. */
export async function bareCrCopy(file: string, spec: DatasetSpec, target: string): Promise<{ file: string; lines: CrLine[] } | undefined> {
  const scan = await bareCrs(file, { delimiter: spec.delimiter, quoting: quotingOf(spec), skipLines: spec.skipLines, headerless: spec.headerless });
  return scan.crs.length ? { file: await copyWithoutBareCrs(file, scan, target), lines: scan.lines } : undefined;
}
