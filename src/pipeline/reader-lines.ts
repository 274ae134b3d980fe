import { textChunksOf } from './csv-file.js';
import type { Quoting } from './csv-header.js';
import { backslashesBefore } from './record-counter.js';

/**
 * How far the CSV reader's line numbers fall behind an editor's, from which reader line on: DuckDB's
 * rejects number a line by the line ends before it outside quotes, so a value with a line break in it
 * (an address, a comment) counts once, and every malformed line after it would be shown too high up.
 * Each step `[readerLine, behind]` holds from that reader line to the next step; none when no value
 * before `lastReaderLine` has a line break (most files). The file is read up to that line.
 *
 * Read as DuckDB reads: the `skipLines` lines before the header count as lines whatever they hold; a
 * quote opens a value only at its start (a line's, or after the delimiter: `12" Single` is text); inside,
 * `""` (or `\"` with `escape: backslash`) is a quote of the value, another quote its end.
 */
export async function lagSteps(file: string, lastReaderLine: number, quoting: Quoting, delimiter: string, skipLines = 0): Promise<[number, number][]> {
  const steps: [number, number][] = [];
  if (quoting === 'none' || lastReaderLine <= 1) return steps;
  const delimiterEnd = delimiter.charCodeAt(delimiter.length - 1);
  let readerLine = 1;
  let behind = 0;
  let inQuotes = false;
  // Inside quotes, a quote ending the last chunk: the value's end, or the first of `""`.
  let pendingQuote = false;
  let before = 10; // the byte before the one looked at: a line's start at first
  let carried = 0; // backslashes ending the last chunk
  let skipped = 0;
  let first = true;
  for await (const chunk of textChunksOf(file)) {
    // A byte-order mark is no field's first character: a quote after it opens the first value.
    const start = first && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? 3 : 0;
    let i = start;
    first = false;
    if (pendingQuote) {
      pendingQuote = false;
      if (chunk[0] === 34) i = 1;
      else inQuotes = false;
    }
    while (i < chunk.length && readerLine <= lastReaderLine) {
      if (skipped < skipLines) {
        const end = chunk.indexOf(10, i);
        if (end === -1) break;
        skipped++;
        readerLine++;
        i = end + 1;
        before = 10;
        continue;
      }
      const lineEnd = chunk.indexOf(10, i);
      const quote = chunk.indexOf(34, i);
      if (quote !== -1 && (lineEnd === -1 || quote < lineEnd)) {
        const prev = quote > start ? chunk[quote - 1]! : before;
        if (!inQuotes) {
          if (prev === 10 || prev === 13 || prev === delimiterEnd) inQuotes = true;
        } else if (quoting === '\\' && backslashesBefore(chunk, quote, carried) % 2 === 1) {
          // an escaped quote of the value
        } else if (quote + 1 === chunk.length) {
          pendingQuote = true;
        } else if (chunk[quote + 1] === 34) {
          i = quote + 2;
          continue;
        } else inQuotes = false;
        i = quote + 1;
      } else if (lineEnd !== -1) {
        if (inQuotes) behind++;
        else {
          readerLine++;
          if (behind !== (steps.at(-1)?.[1] ?? 0)) steps.push([readerLine, behind]);
        }
        i = lineEnd + 1;
      } else break;
    }
    if (chunk.length) before = chunk[chunk.length - 1]!;
    carried = backslashesBefore(chunk, chunk.length, carried);
    if (readerLine > lastReaderLine) break;
  }
  return steps;
}
