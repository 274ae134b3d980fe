import fs from 'node:fs/promises';
import { isAscii, isUtf8 } from 'node:buffer';
import path from 'node:path';

/**
 * A source file's text encoding: UTF-8 (the default), or windows-1252 — what Excel and many public
 * data portals still write in Western Europe (`René`, `Orléans`, `€`); Latin-1 (ISO-8859-1) files are
 * read the same way, as browsers do. Bronze keeps the file's own bytes; silver reads a UTF-8 copy.
 * (DuckDB's own `latin-1` reader refuses a byte such as 0x80, Excel's €.)
 */
export type SourceEncoding = 'utf-8' | 'windows-1252' | Utf16;

/**
 * UTF-16, told by the byte-order mark it starts with: what Excel's "Unicode Text", SQL Server's and ad
 * platforms' exports write. A file starting so is read as UTF-16 whatever its dataset declares (the mark
 * cannot be mistaken); every reader here sees it as UTF-8, through textChunksOf or readTextStart.
 */
export type Utf16 = 'utf-16le' | 'utf-16be';

/** The UTF-16 whose byte-order mark starts `bytes`, if any. */
export function utf16Mark(bytes: Uint8Array): Utf16 | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** The UTF-16 a file's byte-order mark names, if it starts with one. */
export async function fileUtf16(file: string): Promise<Utf16 | undefined> {
  const handle = await fs.open(file);
  try {
    const mark = Buffer.alloc(2);
    const { bytesRead } = await handle.read(mark, 0, 2, 0);
    return utf16Mark(mark.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/**
 * The first `max` bytes of a file as UTF-8: its own bytes, or those of its text when it is UTF-16
 * (from its first `max` bytes, a character cut at the end dropped); a file ending its lines with CR
 * only, with LF (see crOnlyStart).
 */
export async function readTextStart(file: string, max: number): Promise<Buffer> {
  const text = await textStartAsWritten(file, max);
  if (crOnlyStart(text)) crToLf(text);
  return text;
}

async function textStartAsWritten(file: string, max: number): Promise<Buffer> {
  const handle = await fs.open(file);
  try {
    const buffer = Buffer.alloc(max);
    const { bytesRead } = await handle.read(buffer, 0, max, 0);
    const start = buffer.subarray(0, bytesRead);
    const utf16 = utf16Mark(start);
    return utf16 ? Buffer.from(new TextDecoder(utf16).decode(start, { stream: true }), 'utf8') : start;
  } finally {
    await handle.close();
  }
}

/** How much of a file's start tells its line ends: a header is at most this long (MAX_HEADER_BYTES). */
const LINE_END_WINDOW = 64 * 1024;

/**
 * Whether a file whose text starts so ends its lines with CR only (old Mac style; Excel for Mac's "CSV
 * (Macintosh)"): a CR and no LF in its first 64 KiB. Every reader here sees such a file with LF in place
 * of each CR (a line break inside a quoted value too): one byte for one, so records, lines and sizes stay
 * where they are; bronze keeps the file's own bytes.
 */
export function crOnlyStart(text: Uint8Array): boolean {
  const window = text.subarray(0, LINE_END_WINDOW);
  return window.includes(13) && !window.includes(10);
}

/** Every CR made LF, in place. */
export function crToLf(bytes: Uint8Array): void {
  for (let i = bytes.indexOf(13); i !== -1; i = bytes.indexOf(13, i + 1)) bytes[i] = 10;
}

/** The spellings a definition may give, and the encoding each names (UTF-16 needs none: its mark names it). */
export const ENCODING_NAMES: Record<string, 'utf-8' | 'windows-1252'> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  'latin-1': 'windows-1252',
  latin1: 'windows-1252',
  'iso-8859-1': 'windows-1252',
};

/**
 * Text from bytes of the encoding (UTF-8 by default), as the readers here give them: a UTF-16 file's
 * already UTF-8. Windows-1252 text that is valid UTF-8 is read as UTF-8, line by line (see readableCopy).
 */
export function decodeText(bytes: Buffer, encoding: SourceEncoding = 'utf-8'): string {
  if (encoding !== 'windows-1252' || isUtf8(bytes)) return bytes.toString('utf8');
  return windows1252(bytes);
}

function windows1252(bytes: Uint8Array): string {
  // Streaming: Node 20 decodes a whole buffer at once as Latin-1, 0x80 as U+0080 where windows-1252 has €.
  const decoder = new TextDecoder('windows-1252');
  return decoder.decode(bytes, { stream: true }) + decoder.decode();
}

/**
 * Bytes that are not UTF-8 as windows-1252 would read them, line by line: a line that is valid UTF-8
 * stays UTF-8 (a UTF-8 export with rows appended by an older tool: `Müller` and `Jürgen` both read),
 * for Western text written in windows-1252 is valid UTF-8 only by rare chance (`Ã©`). `ends` splits
 * the lines (LF; CR for a file ending its lines so).
 */
function decodeLines(bytes: Uint8Array, ends: number): string {
  // No UTF-8 sequence at all (a lead byte and a continuation byte), as in nearly every chunk of a
  // windows-1252 file: decoded in one call. Line by line, a 1M-row file took 3.9 s against 0.3 s.
  if (!/[\xc2-\xf4][\x80-\xbf]/.test(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1'))) return windows1252(bytes);
  const lines: Uint8Array[] = [];
  for (let start = 0; start < bytes.length; ) {
    const end = bytes.indexOf(ends, start);
    const line = bytes.subarray(start, end === -1 ? bytes.length : end + 1);
    lines.push(line);
    start += line.length;
  }
  const utf8 = (line: Uint8Array) => !isAscii(line) && isUtf8(line);
  if (!lines.some(utf8)) return windows1252(bytes);
  return lines.map((line) => (utf8(line) ? Buffer.from(line.buffer, line.byteOffset, line.length).toString('utf8') : windows1252(line))).join('');
}

/** Whether the file ends with Ctrl-Z, DOS' end-of-file mark, as bronze tells it (RecordCounter.eofMark): a UTF-16 file's in UTF-16. */
export async function endsWithEofMark(file: string): Promise<boolean> {
  const utf16 = await fileUtf16(file);
  const handle = await fs.open(file);
  try {
    const { size } = await handle.stat();
    const end = Buffer.alloc(utf16 ? 2 : 1);
    if (size < end.length + (utf16 ? 2 : 0)) return false;
    await handle.read(end, 0, end.length, size - end.length);
    return end.equals(Buffer.from(utf16 === 'utf-16le' ? [0x1a, 0] : utf16 === 'utf-16be' ? [0, 0x1a] : [0x1a]));
  } finally {
    await handle.close();
  }
}

/** Whether every byte of the file is UTF-8 (read 4 MiB at a time): else it is read as windows-1252. */
export async function isUtf8File(file: string): Promise<boolean> {
  const handle = await fs.open(file);
  try {
    const buffer = Buffer.allocUnsafe(4 << 20);
    let carry = Buffer.alloc(0);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return carry.length === 0;
      const bytes = carry.length ? Buffer.concat([carry, buffer.subarray(0, bytesRead)]) : buffer.subarray(0, bytesRead);
      // Up to three bytes of a character the chunk cut off wait for the next one.
      const cut = [0, 1, 2, 3].find((n) => n <= bytes.length && isUtf8(bytes.subarray(0, bytes.length - n)));
      if (cut === undefined) return false;
      carry = Buffer.from(bytes.subarray(bytes.length - cut));
    }
  } finally {
    await handle.close();
  }
}

/**
 * The file as DuckDB can read it: written to `out` as UTF-8 (streaming, 4 MiB at a time) when it is
 * windows-1252 or UTF-16 (by its mark, whatever `encoding` says), with every CRLF (and CR CR LF) made LF when its line ends are mixed (DuckDB's reader
 * stops at the first line end unlike the first: CRLF inside a quoted value becomes LF too), and every CR
 * made LF when it ends its lines with CR only (crOnlyStart), without the Ctrl-Z ending it with `eofMark`
 * (bronze's RecordCounter.eofMark); returns that path, or
 * the file's own when it needs none of it. Line ends, quotes and delimiters are one character in every
 * encoding: records and lines stay where bronze counted them.
 */
export async function readableCopy(file: string, options: { encoding?: SourceEncoding | undefined; mixedLineEnds?: boolean | undefined; eofMark?: boolean | undefined }, out: string): Promise<string> {
  const encoding = (await fileUtf16(file)) ?? (options.encoding === 'windows-1252' ? 'windows-1252' : 'utf-8');
  const crOnly = crOnlyStart(await textStartAsWritten(file, LINE_END_WINDOW));
  if (encoding === 'utf-8' && !options.mixedLineEnds && !crOnly) {
    if (!options.eofMark) return file;
    // Its end-of-file mark alone to leave out: the kernel's copy, one byte shorter.
    await fs.mkdir(path.dirname(out), { recursive: true });
    await fs.copyFile(file, out);
    await fs.truncate(out, (await fs.stat(out)).size - 1);
    return out;
  }
  await fs.mkdir(path.dirname(out), { recursive: true });
  const input = await fs.open(file);
  const output = await fs.open(out, 'w');
  try {
    // (A UTF-8 file's BOM is dropped on the way: readers and the header's parsing skip it anyway.)
    const decoder = new TextDecoder(encoding);
    const buffer = Buffer.allocUnsafe(4 << 20);
    // Windows-1252 is decoded line by line (decodeLines): the end of a chunk waits for the rest of its line.
    const lineEnd = crOnly ? 13 : 10;
    let partial: Buffer = Buffer.alloc(0);
    const decodeChunk = (bytes: Buffer, last: boolean): string => {
      if (encoding !== 'windows-1252') return decoder.decode(bytes, { stream: !last });
      const data = partial.length ? Buffer.concat([partial, bytes]) : bytes;
      const cut = last ? data.length : data.lastIndexOf(lineEnd) + 1;
      partial = Buffer.from(data.subarray(cut));
      return decodeLines(data.subarray(0, cut), lineEnd);
    };
    // CRs ending a chunk wait: the LF that may follow is in the next one; so does a Ctrl-Z, the file's end or not.
    let cr = '';
    let mark = '';
    const write = async (decoded: string, last = false) => {
      let text = cr + mark + decoded;
      [cr, mark] = ['', ''];
      if (options.eofMark && text.endsWith('\x1a')) [text, mark] = [text.slice(0, -1), last ? '' : '\x1a'];
      if (crOnly) text = text.replaceAll('\r', '\n');
      else if (options.mixedLineEnds) {
        if (!last) {
          const kept = text.replace(/\r+$/, '');
          cr = text.slice(kept.length);
          text = kept;
        }
        text = text.replace(/\r+\n/g, '\n');
      }
      await output.write(text);
    };
    for (;;) {
      const { bytesRead } = await input.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      await write(decodeChunk(buffer.subarray(0, bytesRead), false));
    }
    await write(decodeChunk(Buffer.alloc(0), true), true);
  } finally {
    await input.close();
    await output.close();
  }
  return out;
}
