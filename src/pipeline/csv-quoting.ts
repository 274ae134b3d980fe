import { textChunksOf } from './csv-file.js';
import { DATALAKE } from '../command-name.js';

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
  /** `\\`, an escaped backslash. */
  doubledBackslash: boolean;
  /** `\t`, `\n`, `\r`, `\b`, `\f` or `\v`: a character written as PostgreSQL's text format writes it. */
  letterEscape: boolean;
  /** A backslash before a character neither MySQL nor PostgreSQL escapes (`C:\Users`): backslashes are text. */
  textBackslash: boolean;
  /** `\N` as a whole field: a NULL as PostgreSQL and MySQL write it (not `\New folder`). */
  nullField: boolean;
}

/**
 * Whether the file writes quotes as MySQL does (`escape: backslash`): MySQL escapes a backslash (`\\`),
 * the quote, the delimiter, a line end, NUL (`\0`) and NULL (`\N`), nothing else, and never doubles a
 * quote. Reads the file 4 MiB at a time (a pair cut by a chunk's end may be missed).
 */
export async function quoteStyle(file: string, delimiter: string): Promise<QuoteStyle> {
  const style: QuoteStyle = { backslashQuote: false, loneBackslash: false, doubledQuote: false, backslash: false, backslashN: false, quote: false, midFieldQuote: false, doubledBackslash: false, letterEscape: false, textBackslash: false, nullField: false };
  const escapable = new Set([92, 34, 78, 48, 10, 13, delimiter.charCodeAt(0)]);
  const letters = new Set([...'tnrbfv'].map((c) => c.charCodeAt(0)));
  const after = (next: number) => {
    if (next === 34) style.backslashQuote = true;
    else if (next === 78) style.backslashN = true;
    else if (next === 92) style.doubledBackslash = true;
    if (!escapable.has(next)) {
      style.loneBackslash = true;
      if (letters.has(next)) style.letterEscape = true;
      else style.textBackslash = true;
    }
  };
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
      after(chunk[0]!);
      i = 1;
      pending = false;
    }
    for (let b = chunk.indexOf(92, i); b !== -1; b = chunk.indexOf(92, b + 2)) {
      style.backslash = true;
      if (b + 1 === chunk.length) pending = true;
      else after(chunk[b + 1]!);
      if (chunk[b + 1] === 78 && (b === 0 || edge.has(chunk[b - 1]!)) && (b + 2 === chunk.length || edge.has(chunk[b + 2]!))) style.nullField = true;
    }
    for (let q = chunk.indexOf('""'); q !== -1; q = chunk.indexOf('""', q + 2)) {
      const before = q > 0 ? chunk[q - 1]! : 10;
      const after = q + 2 < chunk.length ? chunk[q + 2]! : 10;
      if (before !== 92 && !(edge.has(before) && edge.has(after))) style.doubledQuote = true;
    }
    if (style.textBackslash && style.doubledQuote) break;
  }
  return style;
}

/** Whether a file's backslashes and quotes are MySQL's escapes (`escape: backslash`): some, and nothing MySQL does not write. */
export function escapesAsMysql(style: QuoteStyle): boolean {
  return (style.backslashQuote || style.backslashN) && !style.loneBackslash && !style.doubledQuote;
}

/**
 * Whether a file quoting nothing writes its values as PostgreSQL's text format (`COPY ... TO`) does: a
 * NULL as `\N` (a whole field), escapes (`\t` a tab, `\n` a line break, `\\` a backslash), and every
 * backslash one of those. A Windows path (`C:\Users`) says its backslashes are text; one of a network
 * share (`\\nas\backup\reports`) reads as escapes, but holds no NULL.
 */
export function escapesAsPostgres(style: QuoteStyle): boolean {
  return style.nullField && (style.letterEscape || style.doubledBackslash) && !style.textBackslash;
}

/**
 * SQL: text `t` of a dataset with backslash escapes and no quoting (PostgreSQL's text format) as the
 * value it stands for: `\\` a backslash, `\t` a tab, `\n` a line break (`\r`, `\b`, `\f`, `\v`), a
 * backslash before another character that character. Split at escaped backslashes first, so that
 * `\\n` stays a backslash then `n`. Only values holding a backslash pay for it.
 */
export function unescapedText(t: string): string {
  const letters: [string, number][] = [['t', 9], ['n', 10], ['r', 13], ['b', 8], ['f', 12], ['v', 11]];
  const piece = letters.reduce((e, [letter, code]) => `replace(${e}, '\\${letter}', chr(${code}))`, '_p');
  return `CASE WHEN contains(${t}, '\\') THEN array_to_string(list_transform(string_split(${t}, '\\\\'), lambda _p: regexp_replace(${piece}, '\\\\(.)', '\\1', 'gs')), '\\') ELSE ${t} END`;
}

/**
 * Why a file of a dataset reading `escape: backslash` cannot be read so, or undefined: a backslash
 * before another character (`C:\reports`) would be dropped, and a doubled quote is not read as one.
 * With `quote: none` (PostgreSQL's text format), `\t` and `\n` are escapes, `\U` is not.
 */
export function escapeProblem(name: string, style: QuoteStyle, spec: { name: string; backslashEscapes?: true }): { message: string; hint: string } | undefined {
  const textBackslash = spec.backslashEscapes ? style.textBackslash : style.loneBackslash;
  const doubledQuote = !spec.backslashEscapes && style.doubledQuote;
  if (!textBackslash && !doubledQuote) return undefined;
  const what = textBackslash ? `backslashes that are not escapes (a path such as C:\\${spec.backslashEscapes ? 'Users' : 'reports'}?)` : 'quotes doubled inside values ("")';
  return {
    message: `${name} holds ${what}: read with escape: backslash, as datasets/${spec.name}.yml says, ${textBackslash ? 'they would be dropped' : 'those values would not be read'}`,
    hint: `it is not written as ${spec.backslashEscapes ? 'PostgreSQL' : 'MySQL'} writes: give it a dataset of its own without escape (\`${DATALAKE} init\` on it), or re-export it`,
  };
}
