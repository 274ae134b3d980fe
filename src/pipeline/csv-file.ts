import fs from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { UserError } from '../errors.js';
import { crOnlyStart, crToLf, decodeText, fileUtf16, isUtf8File, readTextStart, utf16Mark, type SourceEncoding, type Utf16 } from './csv-encoding.js';
import { notTableText, notUtf8Of, utf16, windows1252Problem } from './encoding-problem.js';
import { headerEnd, headerSpan, MAX_HEADER_BYTES, noHeaderAfter, type Quoting } from './csv-header.js';
import { RecordCounter } from './record-counter.js';

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
  /** Data records whose last field is empty, by the delimiter given (see RecordCounter.endsWithDelimiter). */
  endsWithDelimiter: number;
  /** It ends with Ctrl-Z, DOS' end-of-file mark (see RecordCounter.eofMark): silver reads a copy without it. */
  eofMark: boolean;
}

/**
 * One streaming pass over a source file: checksum, UTF-8 validity, record count and header.
 * Fails with a one-line message for an empty or non-UTF-8 file.
 */
export async function inspectCsv(file: string, onBytes?: (bytes: number) => void, skipLines = 0, encoding: SourceEncoding = 'utf-8', escape?: Quoting, delimiter = ','): Promise<CsvFileFacts> {
  const name = path.basename(file);
  // The checksum is computed on another thread, reading the file on its own (from the page cache), while
  // this one counts records and checks UTF-8: on a large file the two take about as long.
  const digest = sha256File(file);
  digest.catch(() => undefined); // awaited below; a failure before then must not go unhandled
  let size = 0;
  const counter = new RecordCounter(escape, delimiter);
  let carry: Buffer | undefined;
  // Whether every byte so far is UTF-8: a file of a windows-1252 dataset may be UTF-8 all the same (Excel's
  // "CSV UTF-8", a re-export): it is read as such, not turned into mojibake.
  let utf8 = true;
  let headerBytes: Buffer | undefined;
  // The header line when the first chunk ends before its newline: it, if the file ends there too.
  let lastLine: Buffer | undefined;
  const read: { bytes: number; utf16?: Utf16 } = { bytes: 0 };
  try {
  for await (const chunk of textChunksOf(file, read)) {
    let data = chunk;
    if (size === 0) {
      const begin = preambleEnd(chunk, skipLines, name);
      counter.noteLineEnds(chunk.subarray(0, begin));
      data = chunk.subarray(begin);
      const end = headerEnd(data.subarray(0, MAX_HEADER_BYTES), 0, escape);
      if (end >= 0) headerBytes = Buffer.from(data.subarray(0, end));
      else if (end === -1 && data.length < MAX_HEADER_BYTES) lastLine = Buffer.from(data);
    } else lastLine = undefined;
    size = read.bytes;
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
  } catch (err) {
    throw err instanceof NotUtf8 ? await notUtf8Of(file, name) : err;
  }
  if (size === 0) throw new UserError(`${name} is empty (0 bytes)`, 'a source file needs at least its header line, naming its columns');
  headerBytes ??= lastLine && counter.eofMark ? lastLine.subarray(0, -1) : lastLine; // a single line without a trailing newline
  if (headerBytes === undefined) throw new UserError(`${name}: the ${skipLines ? 'header' : 'first'} line is longer than 64 KiB; this does not look like a CSV header`);
  // UTF-16 is valid UTF-8 when its text is ASCII, but every other byte is NUL.
  if (headerBytes.includes(0)) throw utf16(name, headerBytes);
  const fileEncoding: SourceEncoding = read.utf16 ?? (utf8 ? 'utf-8' : encoding);
  // A dataset reading windows-1252 given a Shift_JIS or GBK file: refused rather than garbled.
  const garbled = fileEncoding === 'windows-1252' ? await windows1252Problem(file, name) : undefined;
  if (garbled) throw garbled;
  const headerLine = decodeText(headerBytes, fileEncoding);
  // Lines ended with CR only are read as LF (crOnlyStart) when no LF is near the start; with LFs too
  // (a line break in a cell, rows appended) the line ends are not told apart: refused.
  if (/\r(?!\n)[^\r]*\S/.test(headerLine.replace(/\r$/, ''))) throw crMixed(name);
  const notTable = notTableText(name, headerLine);
  if (notTable) throw notTable;
  counter.end();
  return {
    sha256: await digest,
    size,
    records: Math.max(0, counter.records - 1),
    longestRecord: counter.longest,
    headerLine: headerLine.replace(/^\uFEFF/, '').replace(/\r$/, ''),
    encoding: fileEncoding,
    mixedLineEnds: counter.mixedLineEnds,
    endsWithDelimiter: counter.endsWithDelimiter,
    eofMark: counter.eofMark,
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

/** Whether some records of the file end with CRLF and others with LF, as bronze tells them (inspectCsv's `mixedLineEnds`). */
export async function hasMixedLineEnds(file: string): Promise<boolean> {
  const counter = new RecordCounter();
  for await (const chunk of textChunksOf(file)) {
    counter.push(chunk);
    if (counter.mixedLineEnds) return true;
  }
  return false;
}

/** Whether the file's text holds a tab: init trims tabs around values (see trimmed) only then, its statements short for a wide file. */
export async function holdsTab(file: string): Promise<boolean> {
  for await (const chunk of textChunksOf(file)) if (chunk.includes(9)) return true;
  return false;
}

/** A CSV's data records as bronze counts them (see RecordCounter), without the rest of inspectCsv. */
export async function countRecords(file: string, skipLines = 0, escape?: Quoting): Promise<number> {
  return (await recordsAndEnds(file, skipLines, escape)).records;
}

/** countRecords, and those of the records ending with `delimiter` (inspectCsv's endsWithDelimiter). */
export async function recordsAndEnds(file: string, skipLines = 0, escape?: Quoting, delimiter?: string): Promise<{ records: number; endsWithDelimiter: number }> {
  const counter = new RecordCounter(escape, delimiter);
  let first = true;
  for await (const chunk of textChunksOf(file)) {
    counter.push(first ? chunk.subarray(preambleEnd(chunk, skipLines, path.basename(file))) : chunk);
    first = false;
  }
  counter.end();
  return { records: Math.max(0, counter.records - 1), endsWithDelimiter: counter.endsWithDelimiter };
}

/**
 * Refuses, in the words of inspectCsv, a file that is empty, not UTF-8 text (unless read as `encoding`), is
 * UTF-16 without its byte-order mark or ends lines with CR and LF both (its first MiB): what `init --from-csv` and `check --sources`
 * check before asking DuckDB, whose errors would name a line. `shown`: the file as the user gave it, in a hint's command.
 */
export async function checkTextStart(file: string, name = path.basename(file), encoding: SourceEncoding = 'utf-8', utf8?: boolean, shown = file): Promise<void> {
  const start = await readTextStart(file, 1 << 20);
  if (!start.length) throw new UserError(`${name} is empty (0 bytes)`, 'a source file needs at least its header line, naming its columns');
  const firstLine = start.subarray(0, start.indexOf(10) === -1 ? start.length : start.indexOf(10));
  if (firstLine.includes(0)) throw utf16(name, firstLine, shown);
  // `utf8`: the caller's own answer of isUtf8File, so that the file is not read twice for it. (A UTF-16 file, told by its mark, is read as such.)
  const notUtf8 = async () => !(await fileUtf16(file)) && !(utf8 ?? (await isUtf8File(file)));
  if (encoding === 'utf-8' && (await notUtf8())) throw await notUtf8Of(file, name, shown);
  const garbled = encoding === 'windows-1252' && (await notUtf8()) ? await windows1252Problem(file, name, shown) : undefined;
  if (garbled) throw garbled;
  const header = decodeText(firstLine, encoding);
  if (/\r[^\r]*\S/.test(header.replace(/\r$/, ''))) throw crMixed(name);
  const notTable = notTableText(name, header);
  if (notTable) throw notTable;
}

/**
 * A file's text as UTF-8 bytes, 4 MiB at a time, each chunk a view of one reused buffer: valid until the next is
 * asked for (copy what must outlive it). A read stream allocates a buffer per chunk: at 466 MB that
 * cost 150–230 ms of a 0.57 s inspection, against 60 ms here. The bytes are the file's own, but for a
 * UTF-16 file's (told by its byte-order mark), given as UTF-8 without the mark, and a file's ending its
 * lines with CR only, given with LF (crOnlyStart); `read` hears the
 * file's bytes read so far and its UTF-16, if it is.
 */
export async function* textChunksOf(file: string, read: { bytes: number; utf16?: Utf16 } = { bytes: 0 }): AsyncGenerator<Buffer> {
  const handle = await fs.open(file);
  try {
    const buffer = Buffer.allocUnsafe(4 << 20);
    let decoder: InstanceType<typeof TextDecoder> | undefined;
    let crOnly = false;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      const first = read.bytes === 0;
      if (first) {
        read.utf16 = utf16Mark(chunk);
        if (read.utf16) decoder = new TextDecoder(read.utf16);
      }
      read.bytes += bytesRead;
      const text = decoder ? Buffer.from(decoder.decode(chunk, { stream: true }), 'utf8') : chunk;
      if (first) crOnly = crOnlyStart(text);
      if (crOnly) crToLf(text);
      yield text;
    }
    const rest = Buffer.from(decoder?.decode() ?? '', 'utf8');
    if (crOnly) crToLf(rest);
    if (rest.length) yield rest;
  } finally {
    await handle.close();
  }
}

// Synchronous reads into one buffer, for the reason textChunksOf gives: this thread has nothing else to do.
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
export async function sha256File(file: string): Promise<string> {
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

function crMixed(name: string): UserError {
  return new UserError(`${name} ends its lines with CR only (old Mac style), and has LF line ends too (a line break in a cell?)`, 'save it with LF or CRLF line ends, for example: tr "\\r" "\\n" < in.csv > out.csv');
}

/** A file that is not UTF-8: refused, unless its dataset reads another encoding (then: false, not UTF-8). */
function notUtf8Unless(encoding: SourceEncoding, name: string): false {
  if (encoding === 'utf-8') throw new NotUtf8(name);
  return false;
}

/** Thrown in the middle of a read: said by notUtf8 once the file's start tells which hint fits. */
class NotUtf8 extends Error {}
