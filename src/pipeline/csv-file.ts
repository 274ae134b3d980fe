import fs from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { UserError } from '../errors.js';
import { decodeText, isUtf8File, type SourceEncoding } from './csv-encoding.js';
import { headerSpan, MAX_HEADER_BYTES, noHeaderAfter } from './csv-header.js';

export interface CsvFileFacts {
  sha256: string;
  size: number;
  /** Data records: non-blank lines, a newline inside double quotes not ending one; the header excluded. */
  records: number;
  /** Bytes of the longest record (the header included): a reader must buffer at least that much. */
  longestRecord: number;
  /** The first line, without BOM and line end; split it with the dataset's delimiter (parseHeader). */
  headerLine: string;
  /** How its text is read: UTF-8 when every byte is (whatever the dataset declares), else the declared encoding. */
  encoding: SourceEncoding;
  /** Some lines end with CRLF and others with LF (rows appended by another tool), or with CR CR LF: DuckDB reads none of them, silver reads a copy ending each with LF. */
  mixedLineEnds: boolean;
}

/**
 * Counts a CSV's records as a CSV reader sees them: a newline inside double quotes does not end one
 * (`""` toggles twice: no effect), and a blank line (or a short one of spaces) is no record. Silver's
 * reader must account for at least as many. Scans with indexOf, so a file
 * without quotes costs one native search per line.
 */
export class RecordCounter {
  records = 0;
  longest = 0;
  /**
   * Line ends by kind, every one (blank lines, and newlines inside quotes, count too): DuckDB's reader
   * takes the first one's kind for all, and stops at a line end of the other, or CR CR LF.
   */
  crlf = 0;
  lf = 0;
  crcrlf = 0;
  private inQuotes = false;
  private start = 0;
  private offset = 0;
  private prevLast = -1;
  /** The byte before prevLast (a CR CR LF whose LF starts a chunk). */
  private prevLast2 = -1;
  /** Backslashes ending the last chunk: with `escape: backslash`, an odd run escapes the quote that follows. */
  private backslashRun = 0;

  /** `backslash`: inside quotes, `\"` is a quote of the value (the dataset's `escape: backslash`), not its end. */
  constructor(private readonly backslash = false) {}

  push(chunk: Buffer): void {
    let i = 0;
    let q = -2; // next quote at or after i; -1: none left in this chunk; -2: not searched yet
    for (;;) {
      if (q === -2 || (q !== -1 && q < i)) q = chunk.indexOf(34, i);
      const n = chunk.indexOf(10, i);
      if (q !== -1 && (n === -1 || q < n)) {
        if (this.backslash && this.inQuotes && this.escaped(chunk, q)) {
          i = q + 1;
          q = -2;
          continue;
        }
        this.inQuotes = !this.inQuotes;
        i = q + 1;
        q = -2;
      } else if (n !== -1) {
        if (!this.inQuotes) {
          const begin = this.start - this.offset;
          // A short line of spaces and tabs only is no record either (readers skip or reject it). Most
          // lines start with something else: only those starting blank are looked at byte by byte.
          const first = begin < n ? chunk[begin]! : -1;
          const blank = begin >= 0 && n - begin <= 64 && (begin === n || first === 32 || first === 9 || first === 13) && chunk.subarray(begin, n).every((b) => b === 32 || b === 9 || b === 13);
          if (!blank) this.close(this.offset + n, n > 0 ? chunk[n - 1]! : this.prevLast);
          this.start = this.offset + n + 1;
        }
        this.lineEnd(chunk, n);
        i = n + 1;
      } else break;
    }
    if (chunk.length) {
      this.prevLast2 = chunk.length > 1 ? chunk[chunk.length - 2]! : this.prevLast;
      this.prevLast = chunk[chunk.length - 1]!;
    }
    if (this.backslash) this.backslashRun = backslashesBefore(chunk, chunk.length, this.backslashRun);
    this.offset += chunk.length;
  }

  /** The kinds of the line ends in `bytes` (the lines before the header, which push does not see). */
  noteLineEnds(bytes: Buffer): void {
    for (let n = bytes.indexOf(10); n !== -1; n = bytes.indexOf(10, n + 1)) this.lineEnd(bytes, n);
  }

  /** Some lines end otherwise than others, or with CR CR LF: DuckDB reads none of the file. */
  get mixedLineEnds(): boolean {
    return (this.crlf > 0 && this.lf > 0) || this.crcrlf > 0;
  }

  private lineEnd(chunk: Buffer, n: number): void {
    const before = n > 0 ? chunk[n - 1]! : this.prevLast;
    const twoBefore = n > 1 ? chunk[n - 2]! : n === 1 ? this.prevLast : this.prevLast2;
    if (before !== 13) this.lf++;
    else if (twoBefore === 13) this.crcrlf++;
    else this.crlf++;
  }

  /** Whether the quote at `q` follows an odd run of backslashes (the run may begin in the last chunk). */
  private escaped(chunk: Buffer, q: number): boolean {
    return backslashesBefore(chunk, q, this.backslashRun) % 2 === 1;
  }

  /** The last record, when the file does not end with a newline. */
  end(): void {
    if (this.offset > this.start) this.close(this.offset, this.prevLast);
    this.start = this.offset;
  }

  private close(endOffset: number, byteBefore: number): void {
    const length = endOffset - this.start;
    if (length === 0 || (length === 1 && byteBefore === 13)) return;
    this.records++;
    if (length > this.longest) this.longest = length;
  }
}

/** Backslashes right before `end` in `chunk`; `carried` (those ending the chunk before) when the run starts the chunk. */
function backslashesBefore(chunk: Buffer, end: number, carried: number): number {
  let k = end - 1;
  while (k >= 0 && chunk[k] === 92) k--;
  return end - 1 - k + (k < 0 ? carried : 0);
}

/**
 * One streaming pass over a source file: checksum, UTF-8 validity, record count and header.
 * Fails with a one-line message for an empty or non-UTF-8 file.
 */
export async function inspectCsv(file: string, onBytes?: (bytes: number) => void, skipLines = 0, encoding: SourceEncoding = 'utf-8', escape?: '\\'): Promise<CsvFileFacts> {
  const name = path.basename(file);
  // The checksum is computed on another thread, reading the file on its own (from the page cache), while
  // this one counts records and checks UTF-8: on a large file the two take about as long.
  const digest = sha256File(file);
  digest.catch(() => undefined); // awaited below; a failure before then must not go unhandled
  let size = 0;
  const counter = new RecordCounter(escape === '\\');
  let carry: Buffer | undefined;
  // Whether every byte so far is UTF-8: a file of a windows-1252 dataset may be UTF-8 all the same (Excel's
  // "CSV UTF-8", a re-export): it is read as such, not turned into mojibake.
  let utf8 = true;
  let headerBytes: Buffer | undefined;
  // The header line when the first chunk ends before its newline: it, if the file ends there too.
  let lastLine: Buffer | undefined;
  for await (const chunk of chunksOf(file)) {
    let data = chunk;
    if (size === 0) {
      const begin = preambleEnd(chunk, skipLines, name);
      counter.noteLineEnds(chunk.subarray(0, begin));
      data = chunk.subarray(begin);
      const end = data.indexOf(10);
      if (end >= 0 && end < MAX_HEADER_BYTES) headerBytes = Buffer.from(data.subarray(0, end));
      else if (end === -1 && data.length < MAX_HEADER_BYTES) lastLine = Buffer.from(data);
    } else lastLine = undefined;
    size += chunk.length;
    counter.push(data);
    onBytes?.(size);
    if (!utf8) continue;
    // A multi-byte character may straddle two chunks: validate it with the start of the next one.
    let body = chunk;
    if (carry) {
      let k = 0;
      while (k < 3 && k < chunk.length && (chunk[k]! & 0xc0) === 0x80) k++;
      if (!isUtf8(Buffer.concat([carry, chunk.subarray(0, k)]))) utf8 = notUtf8Unless(encoding, name);
      body = chunk.subarray(k);
    }
    const tail = incompleteTail(body);
    if (utf8 && !isUtf8(body.subarray(0, body.length - tail))) utf8 = notUtf8Unless(encoding, name);
    carry = utf8 && tail ? Buffer.from(body.subarray(body.length - tail)) : undefined;
  }
  if (carry) utf8 = notUtf8Unless(encoding, name);
  if (size === 0) throw new UserError(`${name} is empty (0 bytes)`, 'a source file needs a header line and at least one row');
  headerBytes ??= lastLine; // a single line without a trailing newline
  if (headerBytes === undefined) throw new UserError(`${name}: the ${skipLines ? 'header' : 'first'} line is longer than 64 KiB; this does not look like a CSV header`);
  // UTF-16 is valid UTF-8 when its text is ASCII, but every other byte is NUL.
  if (headerBytes.includes(0)) throw utf16(name);
  const fileEncoding: SourceEncoding = utf8 ? 'utf-8' : encoding;
  const headerLine = decodeText(headerBytes, fileEncoding);
  if (/\r[^\r]*\S/.test(headerLine.replace(/\r$/, ''))) throw crOnly(name);
  counter.end();
  return {
    sha256: await digest,
    size,
    records: Math.max(0, counter.records - 1),
    longestRecord: counter.longest,
    headerLine: headerLine.replace(/^\uFEFF/, '').replace(/\r$/, ''),
    encoding: fileEncoding,
    mixedLineEnds: counter.mixedLineEnds,
  };
}

/**
 * Where the header starts in a file's first chunk, after its first `skipLines` lines (within 64 KiB, as
 * inspectHeader reads them). A file that ends before is refused.
 */
function preambleEnd(first: Buffer, skipLines: number, name: string): number {
  if (skipLines === 0) return 0;
  const span = headerSpan(first.subarray(0, MAX_HEADER_BYTES), skipLines);
  if (!span || span.begin >= first.length) throw noHeaderAfter(name, skipLines);
  return span.begin;
}

/** How a file writes a quote inside a quoted value (see backslashStyle). */
export interface QuoteStyle {
  /** `\"` somewhere. */
  backslashQuote: boolean;
  /** A backslash before anything MySQL would not escape (`C:\reports`, `\d+`): backslashes are text, not escapes. */
  loneBackslash: boolean;
  /** `""` inside a value (not an empty value `,"",`), not after a backslash: the CSV standard's escape. */
  doubledQuote: boolean;
  /** Any backslash at all. */
  backslash: boolean;
  /** `\N`, MySQL's NULL. */
  backslashN: boolean;
}

/**
 * Whether the file writes quotes as MySQL does (`escape: backslash`): MySQL escapes a backslash (`\\`),
 * the quote, the delimiter, a line end, NUL (`\0`) and NULL (`\N`), nothing else, and never doubles a
 * quote. Reads the file 4 MiB at a time (a pair cut by a chunk's end may be missed).
 */
export async function quoteStyle(file: string, delimiter: string): Promise<QuoteStyle> {
  const style: QuoteStyle = { backslashQuote: false, loneBackslash: false, doubledQuote: false, backslash: false, backslashN: false };
  const escapable = new Set([92, 34, 78, 48, 10, 13, delimiter.charCodeAt(0)]);
  const edge = new Set([10, 13, delimiter.charCodeAt(0)]);
  let pending = false; // the last chunk ended with a backslash that escapes the next byte
  for await (const chunk of chunksOf(file)) {
    let i = 0;
    if (pending) {
      if (!escapable.has(chunk[0]!)) style.loneBackslash = true;
      if (chunk[0] === 34) style.backslashQuote = true;
      if (chunk[0] === 78) style.backslashN = true;
      i = 1;
      pending = false;
    }
    for (let b = chunk.indexOf(92, i); b !== -1; b = chunk.indexOf(92, b + 2)) {
      style.backslash = true;
      if (b + 1 === chunk.length) pending = true;
      else if (chunk[b + 1] === 34) style.backslashQuote = true;
      else if (chunk[b + 1] === 78) style.backslashN = true;
      else if (!escapable.has(chunk[b + 1]!)) style.loneBackslash = true;
    }
    for (let q = chunk.indexOf('""'); q !== -1; q = chunk.indexOf('""', q + 2)) {
      const before = q > 0 ? chunk[q - 1]! : 10;
      const after = q + 2 < chunk.length ? chunk[q + 2]! : 10;
      if (before !== 92 && !(edge.has(before) && edge.has(after))) style.doubledQuote = true;
    }
    if (style.loneBackslash && style.doubledQuote) break;
  }
  return style;
}

/** Whether a file's backslashes and quotes are MySQL's escapes (`escape: backslash`): some, and nothing MySQL does not write. */
export function escapesAsMysql(style: QuoteStyle): boolean {
  return (style.backslashQuote || style.backslashN) && !style.loneBackslash && !style.doubledQuote;
}

/**
 * Why a file of a dataset reading `escape: backslash` cannot be read so, or undefined: a backslash
 * before another character (`C:\reports`) would be dropped, and a doubled quote is not read as one.
 */
export function escapeProblem(name: string, style: QuoteStyle, spec: { name: string }): { message: string; hint: string } | undefined {
  if (!style.loneBackslash && !style.doubledQuote) return undefined;
  const what = style.loneBackslash ? 'backslashes that are not escapes (a path such as C:\\reports?)' : 'quotes doubled inside values ("")';
  return {
    message: `${name} holds ${what}: read with escape: backslash, as datasets/${spec.name}.yml says, ${style.loneBackslash ? 'they would be dropped' : 'those values would not be read'}`,
    hint: 'it is not written as MySQL writes: give it a dataset of its own without escape (`npx datalake init` on it), or re-export it',
  };
}

/** Whether some records of the file end with CRLF and others with LF, as bronze tells them (inspectCsv's `mixedLineEnds`). */
export async function hasMixedLineEnds(file: string): Promise<boolean> {
  const counter = new RecordCounter();
  for await (const chunk of chunksOf(file)) {
    counter.push(chunk);
    if (counter.mixedLineEnds) return true;
  }
  return false;
}

/** A CSV's data records as bronze counts them (see RecordCounter), without the rest of inspectCsv. */
export async function countRecords(file: string, skipLines = 0, escape?: '\\'): Promise<number> {
  const counter = new RecordCounter(escape === '\\');
  let first = true;
  for await (const chunk of chunksOf(file)) {
    counter.push(first ? chunk.subarray(preambleEnd(chunk, skipLines, path.basename(file))) : chunk);
    first = false;
  }
  counter.end();
  return Math.max(0, counter.records - 1);
}

/**
 * Refuses, in the words of inspectCsv, a file that is not UTF-8 text (unless read as `encoding`), is
 * UTF-16 or ends its lines with CR only (its first MiB): what `init --from-csv` and `check --sources`
 * check before asking DuckDB, whose errors would name a line.
 */
export async function checkTextStart(file: string, name = path.basename(file), encoding: SourceEncoding = 'utf-8', utf8?: boolean): Promise<void> {
  const handle = await fs.open(file);
  let start: Buffer;
  try {
    const buffer = Buffer.alloc(1 << 20);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    start = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const firstLine = start.subarray(0, start.indexOf(10) === -1 ? start.length : start.indexOf(10));
  if (firstLine.includes(0)) throw utf16(name);
  // `utf8`: the caller's own answer of isUtf8File, so that the file is not read twice for it.
  if (encoding === 'utf-8' && !(utf8 ?? (await isUtf8File(file)))) throw notUtf8(name);
  if (/\r[^\r]*\S/.test(decodeText(firstLine, encoding).replace(/\r$/, ''))) throw crOnly(name);
}

/**
 * A file's bytes, 4 MiB at a time, each chunk a view of one reused buffer: valid until the next is
 * asked for (copy what must outlive it). A read stream allocates a buffer per chunk: at 466 MB that
 * cost 150–230 ms of a 0.57 s inspection, against 60 ms here.
 */
async function* chunksOf(file: string): AsyncGenerator<Buffer> {
  const handle = await fs.open(file);
  try {
    const buffer = Buffer.allocUnsafe(4 << 20);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

// Synchronous reads into one buffer, for the reason chunksOf gives: this thread has nothing else to do.
const HASH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const hash = require('node:crypto').createHash('sha256');
const buffer = Buffer.allocUnsafe(4 << 20);
const fd = fs.openSync(workerData, 'r');
try {
  for (let n; (n = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0; ) hash.update(buffer.subarray(0, n));
} finally {
  fs.closeSync(fd);
}
parentPort.postMessage(hash.digest('hex'));
`;

/** The SHA-256 of a file, hex, computed on a worker thread. Small files are hashed here: a thread costs more. */
async function sha256File(file: string): Promise<string> {
  const { size } = await fs.stat(file);
  if (size < 8 << 20) return createHash('sha256').update(await fs.readFile(file)).digest('hex');
  return new Promise((resolve, reject) => {
    const worker = new Worker(HASH_WORKER, { eval: true, workerData: file });
    worker.once('message', (hex: string) => {
      resolve(hex);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the checksum thread of ${path.basename(file)} stopped (exit code ${code})`)));
  });
}

/** Bytes at the end of `buf` that begin a UTF-8 sequence the buffer does not finish. */
function incompleteTail(buf: Buffer): number {
  for (let i = 1; i <= Math.min(3, buf.length); i++) {
    const b = buf[buf.length - i]!;
    if ((b & 0xc0) === 0x80) continue;
    const needed = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return needed > i ? i : 0;
  }
  return 0;
}

function utf16(name: string): UserError {
  return new UserError(`${name} is not UTF-8 text: its first line has NUL bytes (UTF-16?)`, `re-save it as UTF-8, for example: iconv -f utf-16 -t utf-8 ${name} > ${name}.utf8 && mv ${name}.utf8 ${name}`);
}

function crOnly(name: string): UserError {
  return new UserError(`${name} ends its lines with CR only (old Mac style)`, 'save it with LF or CRLF line ends, for example: tr "\\r" "\\n" < in.csv > out.csv');
}

/** A file that is not UTF-8: refused, unless its dataset reads another encoding (then: false, not UTF-8). */
function notUtf8Unless(encoding: SourceEncoding, name: string): false {
  if (encoding === 'utf-8') throw notUtf8(name);
  return false;
}

function notUtf8(name: string): UserError {
  return new UserError(`${name} is not valid UTF-8 text`, `if it is Excel's or a Western European export, set encoding: windows-1252 in its dataset definition; else re-save it as UTF-8, for example: iconv -f latin1 -t utf-8 ${name} > ${name}.utf8 && mv ${name}.utf8 ${name}`);
}
