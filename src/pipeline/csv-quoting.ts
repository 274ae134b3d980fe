import { textChunksOf } from './csv-file.js';

/** How a CSV writes a quote inside a quoted value: `""` (the standard) or `\"` (MySQL, `escape: backslash`), as a file shows it. */
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
  /** A `"` anywhere. */
  quote: boolean;
  /** A `"` between two characters of a value (`12" Single`, `The "Hi" Show`): no quoting writes one, so quotes are text. */
  midFieldQuote: boolean;
}

/**
 * Whether the file writes quotes as MySQL does (`escape: backslash`): MySQL escapes a backslash (`\\`),
 * the quote, the delimiter, a line end, NUL (`\0`) and NULL (`\N`), nothing else, and never doubles a
 * quote. Reads the file 4 MiB at a time (a pair cut by a chunk's end may be missed).
 */
export async function quoteStyle(file: string, delimiter: string): Promise<QuoteStyle> {
  const style: QuoteStyle = { backslashQuote: false, loneBackslash: false, doubledQuote: false, backslash: false, backslashN: false, quote: false, midFieldQuote: false };
  const escapable = new Set([92, 34, 78, 48, 10, 13, delimiter.charCodeAt(0)]);
  const edge = new Set([10, 13, delimiter.charCodeAt(0)]);
  let pending = false; // the last chunk ended with a backslash that escapes the next byte
  for await (const chunk of textChunksOf(file)) {
    if (!style.quote && chunk.includes(34)) style.quote = true;
    for (let q = style.midFieldQuote ? -1 : chunk.indexOf(34, 1); q !== -1 && q + 1 < chunk.length; q = chunk.indexOf(34, q + 1)) {
      if (!edge.has(chunk[q - 1]!) && chunk[q - 1] !== 34 && chunk[q - 1] !== 92 && !edge.has(chunk[q + 1]!) && chunk[q + 1] !== 34) {
        style.midFieldQuote = true;
        break;
      }
    }
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
