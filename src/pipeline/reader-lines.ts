import { textChunksOf } from './csv-file.js';
import type { Quoting } from './csv-header.js';
import { backslashesBefore } from './record-counter.js';

/**
 * The line of the file, as an editor numbers them, where each of the CSV reader's `readerLines` starts.
 * DuckDB's rejects number a line by the line ends before it outside quotes: a value with a line break
 * in it (an address, a comment) counts once, so every malformed line after it would be shown too high
 * up. The file is read up to the last line asked for, only when a file has malformed lines.
 */
export async function editorLines(file: string, readerLines: readonly number[], quoting: Quoting): Promise<Map<number, number>> {
  const wanted = [...new Set(readerLines)].sort((a, b) => a - b);
  const found = new Map<number, number>();
  if (quoting === 'none' || wanted.length === 0) {
    for (const line of wanted) found.set(line, line);
    return found;
  }
  let next = 0;
  let readerLine = 1;
  let breaksInQuotes = 0;
  let inQuotes = false;
  // Backslashes ending the chunk before: with `escape: backslash`, an odd run escapes a quote starting this one.
  let carried = 0;
  const note = () => {
    while (next < wanted.length && wanted[next]! <= readerLine) {
      found.set(wanted[next]!, wanted[next]! + breaksInQuotes);
      next++;
    }
  };
  note();
  for await (const chunk of textChunksOf(file)) {
    let quote = chunk.indexOf(34);
    let lineEnd = chunk.indexOf(10);
    while (next < wanted.length && (quote !== -1 || lineEnd !== -1)) {
      if (quote !== -1 && (lineEnd === -1 || quote < lineEnd)) {
        if (!(inQuotes && quoting === '\\' && backslashesBefore(chunk, quote, carried) % 2 === 1)) inQuotes = !inQuotes;
        quote = chunk.indexOf(34, quote + 1);
      } else {
        if (inQuotes) breaksInQuotes++;
        else {
          readerLine++;
          note();
        }
        lineEnd = chunk.indexOf(10, lineEnd + 1);
      }
    }
    if (next >= wanted.length) break;
    carried = backslashesBefore(chunk, chunk.length, carried);
  }
  // Lines past the end (none, unless the reader and this count disagree): shown as the reader numbers them.
  for (; next < wanted.length; next++) found.set(wanted[next]!, wanted[next]! + breaksInQuotes);
  return found;
}

