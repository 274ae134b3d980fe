import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import path from 'node:path';
import type { DatasetSpec } from '../datasets/index.js';
import { UserError } from '../errors.js';

export interface CsvFileFacts {
  sha256: string;
  size: number;
  /** Data lines (newline count minus the header), a fast estimate of rows before parsing. */
  lines: number;
  header: string[];
}

const MAX_HEADER_BYTES = 64 * 1024;

/**
 * One streaming pass over a source file: checksum, UTF-8 validity, line count and header.
 * Fails with a one-line message for an empty or non-UTF-8 file.
 */
export async function inspectCsv(file: string, onBytes?: (bytes: number) => void): Promise<CsvFileFacts> {
  const name = path.basename(file);
  const hash = createHash('sha256');
  let size = 0;
  let newlines = 0;
  let carry: Buffer | undefined;
  let headerBytes: Buffer | undefined;
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    if (headerBytes === undefined && size < MAX_HEADER_BYTES) {
      const end = chunk.indexOf(10);
      if (end >= 0 && size + end < MAX_HEADER_BYTES) headerBytes = Buffer.from(chunk.subarray(0, end));
    }
    size += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
    // A multi-byte character may straddle two chunks: validate it with the start of the next one.
    let body = chunk;
    if (carry) {
      let k = 0;
      while (k < 3 && k < chunk.length && (chunk[k]! & 0xc0) === 0x80) k++;
      if (!isUtf8(Buffer.concat([carry, chunk.subarray(0, k)]))) throw notUtf8(name);
      body = chunk.subarray(k);
    }
    const tail = incompleteTail(body);
    if (!isUtf8(body.subarray(0, body.length - tail))) throw notUtf8(name);
    carry = tail ? Buffer.from(body.subarray(body.length - tail)) : undefined;
    onBytes?.(size);
  }
  if (carry) throw notUtf8(name);
  if (size === 0) throw new UserError(`${name} is empty (0 bytes)`, 'a source file needs a header line and at least one row');
  if (headerBytes === undefined) {
    if (size >= MAX_HEADER_BYTES) throw new UserError(`${name}: the first line is longer than 64 KiB; this does not look like a CSV header`);
    headerBytes = await fs.readFile(file); // a single line without a trailing newline
  }
  // UTF-16 is valid UTF-8 when its text is ASCII, but every other byte is NUL.
  if (headerBytes.includes(0)) {
    throw new UserError(`${name} is not UTF-8 text: its first line has NUL bytes (UTF-16?)`, `re-save it as UTF-8, for example: iconv -f utf-16 -t utf-8 ${name} > ${name}.utf8 && mv ${name}.utf8 ${name}`);
  }
  if (/\r[^\r]*\S/.test(headerBytes.toString('utf8').replace(/\r$/, ''))) {
    throw new UserError(`${name} ends its lines with CR only (old Mac style)`, 'save it with LF or CRLF line ends, for example: tr "\\r" "\\n" < in.csv > out.csv');
  }
  const lastByteIsNewline = newlines > 0 && (await lastByte(file)) === 10;
  const lines = Math.max(0, newlines + (lastByteIsNewline ? 0 : 1) - 1);
  return { sha256: hash.digest('hex'), size, lines, header: parseHeader(headerBytes.toString('utf8')) };
}

async function lastByte(file: string): Promise<number | undefined> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) return undefined;
    const buf = Buffer.alloc(1);
    await handle.read(buf, 0, 1, size - 1);
    return buf[0];
  } finally {
    await handle.close();
  }
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

function notUtf8(name: string): UserError {
  return new UserError(`${name} is not valid UTF-8 text`, `re-save it as UTF-8, for example: iconv -f latin1 -t utf-8 ${name} > ${name}.utf8 && mv ${name}.utf8 ${name}`);
}

/** Splits a CSV header line (comma-separated, optional double quotes), dropping a UTF-8 BOM. */
export function parseHeader(line: string): string[] {
  const text = line.replace(/^\uFEFF/, '').replace(/\r$/, '');
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        current += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(current);
      current = '';
    } else current += ch;
  }
  fields.push(current);
  return fields.map((f) => f.trim());
}

/**
 * The header must name every column of the dataset, once (ignoring case and surrounding spaces).
 * Extra columns are allowed and ignored. Returns the column names to read the file with: the
 * dataset's names for its columns, placeholders for the others.
 */
export function checkHeader(fileName: string, header: string[], spec: DatasetSpec): string[] {
  const expected = Object.keys(spec.columns);
  const names = header.map((h) => h.trim().toLowerCase());
  for (const c of expected) {
    if (names.filter((n) => n === c).length > 1) throw new UserError(`${fileName}: column "${c}" appears twice in the header`, `the header must name each of: ${expected.join(',')}`);
  }
  const missing = expected.filter((c) => !names.includes(c));
  if (missing.length > 0) {
    const raw = shown(header.join(','));
    const separator = header.length === 1 && /[;\t|]/.test(raw) ? ` (it looks ${raw.includes(';') ? 'semicolon' : raw.includes('\t') ? 'tab' : 'pipe'}-separated: save it with commas)` : '';
    throw new UserError(
      `${fileName}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (the header has: ${raw || 'nothing'})${separator}`,
      `the header must name each of: ${expected.join(',')}`,
    );
  }
  return names.map((n, i) => (expected.includes(n) ? n : `_extra_${i + 1}`));
}

/** A header as a message can show it: control characters escaped, at most 120 characters. */
function shown(text: string): string {
  const escaped = JSON.stringify(text).slice(1, -1);
  return escaped.length > 120 ? `${escaped.slice(0, 117)}...` : escaped;
}

/** Reads just the header line of a CSV file. */
export async function inspectHeader(file: string): Promise<string[]> {
  const handle = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(MAX_HEADER_BYTES);
    const { bytesRead } = await handle.read(buf, 0, MAX_HEADER_BYTES, 0);
    const end = buf.subarray(0, bytesRead).indexOf(10);
    return parseHeader(buf.subarray(0, end === -1 ? bytesRead : end).toString('utf8'));
  } finally {
    await handle.close();
  }
}
