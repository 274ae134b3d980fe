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
   * Line ends by kind, every one outside quotes (blank lines count too): DuckDB's reader takes the first
   * one's kind for all, and stops at a line end of the other, or CR CR LF. A newline inside a value's
   * quotes is the value's, of either kind (Excel ends rows with CRLF and lines within a cell with LF): it
   * is read as written. One inside the header's quotes counts: DuckDB takes it for the file's.
   */
  crlf = 0;
  lf = 0;
  crcrlf = 0;
  /**
   * Data records (the first record, the header, aside) whose last field is empty: ended by the delimiter,
   * or by `""` after it. Only among them can DuckDB's reader take a line a field too wide for a row with a
   * trailing delimiter (see wide-lines.ts): a file with none is not looked at again. Counted with a delimiter only.
   */
  endsWithDelimiter = 0;
  private inQuotes = false;
  private start = 0;
  private offset = 0;
  private prevLast = -1;
  /** The byte before prevLast (a CR CR LF whose LF starts a chunk). */
  private prevLast2 = -1;
  /** Backslashes ending the last chunk: with `escape: backslash`, an odd run escapes the quote that follows. */
  private backslashRun = 0;
  /** The last bytes of the chunk before: a record's end may start in it. */
  private tail = Buffer.alloc(0);

  private readonly backslash: boolean;
  /** `quote: none`: a `"` is a character like any other, every newline ends a line. */
  private readonly unquoted: boolean;

  private readonly delimiter: Buffer | undefined;
  /** Its last byte (-1 without one). */
  private readonly delimiterEnd: number;

  /**
   * `\\`: inside quotes, `\"` is a quote of the value (the dataset's `escape: backslash`), not its end; `none`: no quotes at all.
   * `delimiter`: the records ending with it are counted (endsWithDelimiter).
   */
  constructor(quoting?: '\\' | 'none', delimiter?: string) {
    this.backslash = quoting === '\\';
    this.unquoted = quoting === 'none';
    this.delimiter = delimiter ? Buffer.from(delimiter) : undefined;
    this.delimiterEnd = this.delimiter?.at(-1) ?? -1;
  }

  push(chunk: Buffer): void {
    let i = 0;
    let q = -2; // next quote at or after i; -1: none left in this chunk; -2: not searched yet
    for (;;) {
      if (q === -2 || (q !== -1 && q < i)) q = this.unquoted ? -1 : chunk.indexOf(34, i);
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
          if (!blank && this.close(this.offset + n, n > 0 ? chunk[n - 1]! : this.prevLast) && this.delimiterEnd !== -1) {
            // Most records end otherwise, told here by their last byte (a CR aside): a call for each cost 10 ms of the 60 a 2M-row file takes.
            const last = n > 1 && chunk[n - 1] === 13 ? chunk[n - 2]! : chunk[n - 1];
            if ((n < 2 || last === this.delimiterEnd || last === 34) && this.records > 1 && this.endsEmpty(chunk, n)) this.endsWithDelimiter++;
          }
          this.start = this.offset + n + 1;
          this.lineEnd(chunk, n);
        } else if (this.records === 0) {
          // Inside the header's quotes (a wrapped header cell), a line end unlike the rows' stops DuckDB's reader:
          // it takes the first line end it meets for the file's.
          this.lineEnd(chunk, n);
        }
        i = n + 1;
      } else break;
    }
    if (chunk.length) {
      this.prevLast2 = chunk.length > 1 ? chunk[chunk.length - 2]! : this.prevLast;
      this.prevLast = chunk[chunk.length - 1]!;
    }
    if (this.backslash) this.backslashRun = backslashesBefore(chunk, chunk.length, this.backslashRun);
    // (A copy: the reader's buffer is reused for the next chunk.)
    if (this.delimiter) this.tail = Buffer.concat([this.tail, chunk.subarray(Math.max(0, chunk.length - 8))]).subarray(-8);
    this.offset += chunk.length;
  }

  /**
   * Whether the record ending at `chunk[n]` (a line end, or the chunk's end) ends with an empty field: the
   * delimiter before its line end, or `""` after the delimiter. Its last bytes may be the chunk before's.
   */
  private endsEmpty(chunk: Buffer, n: number): boolean {
    let k = n - 1;
    if (this.byteAt(chunk, k) === 13) k--;
    return this.delimiterEndsAt(chunk, k) || (!this.unquoted && this.byteAt(chunk, k) === 34 && this.byteAt(chunk, k - 1) === 34 && this.delimiterEndsAt(chunk, k - 2));
  }

  /** Whether the delimiter's last byte is `chunk[k]` (a byte before the chunk: the tail of the one before). */
  private delimiterEndsAt(chunk: Buffer, k: number): boolean {
    const delimiter = this.delimiter!;
    for (let j = 0; j < delimiter.length; j++) if (this.byteAt(chunk, k - delimiter.length + 1 + j) !== delimiter[j]) return false;
    return true;
  }

  private byteAt(chunk: Buffer, i: number): number {
    return i >= 0 ? chunk[i]! : (this.tail[this.tail.length + i] ?? -1);
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

  /**
   * Whether the bytes end with a DOS end-of-file mark, Ctrl-Z (0x1A), as old DOS and dBase exports
   * write it: after the last value, or alone after the last line end. It is no character of the last
   * record, nor a record of its own; readers here read a copy without it (readableCopy's `eofMark`).
   */
  get eofMark(): boolean {
    return this.prevLast === 0x1a;
  }

  /** The last record, when the file does not end with a newline (its end-of-file mark left out). */
  end(): void {
    // (Its last field is looked at before the mark.)
    const mark = this.eofMark ? 1 : 0;
    const end = this.offset - mark;
    if (end > this.start && this.close(end, mark ? this.prevLast2 : this.prevLast) && this.records > 1 && this.delimiterEnd !== -1 && this.endsEmpty(Buffer.alloc(0), -mark)) this.endsWithDelimiter++;
    this.start = this.offset;
  }

  /** Counts the record ending at `endOffset`, unless it is empty: whether it counted. */
  private close(endOffset: number, byteBefore: number): boolean {
    const length = endOffset - this.start;
    if (length === 0 || (length === 1 && byteBefore === 13)) return false;
    this.records++;
    if (length > this.longest) this.longest = length;
    return true;
  }
}

/** Backslashes right before `end` in `chunk`; `carried` (those ending the chunk before) when the run starts the chunk. */
export function backslashesBefore(chunk: Buffer, end: number, carried: number): number {
  let k = end - 1;
  while (k >= 0 && chunk[k] === 92) k--;
  return end - 1 - k + (k < 0 ? carried : 0);
}
