import path from 'node:path';
import { UserError } from '../errors.js';
import { decodeText, readTextStart, type SourceEncoding } from './csv-encoding.js';
import { asciiFold, hasSpelledLetter } from '../project/ascii-fold.js';
import type { DatasetSpec } from '../project/types.js';

/**
 * A source file's header line and how it matches a dataset's declared columns (case, spaces and
 * punctuation aside); csv-file.ts inspects the rest of the file.
 */

/** The longest header line read: a longer first line is not taken for a CSV header. */
export const MAX_HEADER_BYTES = 64 * 1024;

/**
 * How a dataset's values are quoted: in double quotes with `""` inside (the default, undefined), with
 * `\"` inside (`escape: backslash`, a backslash), or not at all (`quote: none`).
 */
export type Quoting = '\\' | 'none' | undefined;

export function quotingOf(spec: { escape?: '\\' | undefined; quote?: 'none' | undefined } | undefined): Quoting {
  return spec?.quote === 'none' ? 'none' : spec?.escape;
}

/** Splits a CSV header line (optional double quotes; `\"` a quote with `escape: backslash`; none with `quote: none`), dropping a UTF-8 BOM. */
export function parseHeader(line: string, delimiter = ',', escape?: Quoting): string[] {
  const text = line.replace(/^\uFEFF/, '').replace(/\r$/, '');
  if (escape === 'none') return text.split(delimiter).map((f) => f.trim());
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (escape === '\\' && ch === escape && i + 1 < text.length) current += text[++i];
      else if (ch === '"' && text[i + 1] === '"') {
        current += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter[0] && text.startsWith(delimiter, i)) {
      fields.push(current);
      current = '';
      i += delimiter.length - 1;
    } else current += ch;
  }
  fields.push(current);
  return fields.map((f) => f.trim());
}

/** A header field as it is compared with the declared columns: `Flight Date`, `FLIGHT_DATE` → `flightdate`, `Straße` → `strasse`. */
export function headerKey(name: string): string {
  return asciiFold(name).toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * The keys a header field matches a declared column by: headerKey's, and for a name with a ligature the
 * one it had before they were spelled out (`Œuvre` → `uvre`, `Straße` → `strae`), so that a definition
 * written then still loads its files and still masks its personal columns.
 */
export function headerKeys(name: string): string[] {
  const key = headerKey(name);
  const legacy = hasSpelledLetter(name) ? legacyFold(name).toLowerCase().replace(/[^a-z0-9]/g, '') : key;
  return legacy === key || !legacy ? [key] : [key, legacy];
}

/** Accents dropped, nothing else: how names were folded before asciiFold. */
function legacyFold(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

/**
 * The name a definition gives a header field (what `init --from-csv` writes, and what matchHeader
 * accepts for it): snake_case starting with a letter (`Flight Date` → `flight_date`, `2019` → `c_2019`,
 * `名前` → `c_540d_524d`); a field with no name is `column_<position>`.
 */
export function columnName(header: string, index: number): string {
  return nameOf(header, index, asciiFold);
}

/**
 * A header field without the notes statistics offices append to it (`2021 [note 2]`, `2023 [provisional]`,
 * gov.uk's style; `(note 3)`), and without a footnote's number after a closing parenthesis (Statistics Canada's
 * `Employment (x 1,000) 4`, `Rate (percent) 5 6`) or in superscript (`Population¹`, not a unit's `m²` nor `m/s²`):
 * the next release drops or changes them, and the column must keep its name.
 */
function withoutNotes(header: string): string {
  const noted = header.replace(/\s*\[(notes?\s[^\]]*|provisional|revised|final|estimated?|p|r|e)\]/gi, '').replace(/\s*\(notes?\s[^)]*\)/gi, '');
  const footnoted = noted.replace(/\)(\s+[0-9]{1,2})+\s*$/, ')');
  const superscript = /(\)|(?<![/\p{L}])\p{L}{3,})\s*[\u00b9\u00b2\u00b3\u2070\u2074-\u2079]+([,\s]*[\u00b9\u00b2\u00b3\u2070\u2074-\u2079]+)*\s*$/u.exec(footnoted);
  // A unit's power keeps its digit (`Area sqm²`, `Surface in metres²`).
  const power = superscript && /(m|ft|in|yd|mi|metres?|meters?|feet|foot|inch(es)?)$/i.test(superscript[1]!);
  return (superscript && !power ? footnoted.slice(0, superscript.index + superscript[1]!.length) : footnoted).trim() || header;
}

function nameOf(header: string, index: number, fold: (text: string) => string, keepNotes = false): string {
  const base = fold(keepNotes ? header : withoutNotes(header))
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (base) return /^[a-z]/.test(base) ? base : `c_${base}`;
  // A name of no Latin letter or digit (`名前`): its code points, so that it follows its field in a file
  // that orders the columns otherwise (a name by position would swap two such columns' values).
  const text = header.trim();
  if (text) return `c_${[...text].slice(0, 12).map((ch) => ch.codePointAt(0)!.toString(16)).join('_')}`;
  return `column_${index + 1}`;
}

/** The definition names of a whole header: a name it repeats is numbered from its second field (`dup`, `dup_2`). */
export function columnNames(header: string[]): string[] {
  return namesOf(header, asciiFold);
}

function namesOf(header: string[], fold: (text: string) => string): string[] {
  const taken = new Set<string>();
  // A field whose name without its notes is another field's (`Value [p]` beside `Value`) keeps them:
  // numbered by position instead, a later file in another order would swap the two columns' values.
  const bare = header.map((h, i) => headerKey(nameOf(h, i, fold)));
  const kept = (h: string, i: number) => withoutNotes(h) !== h.trim() && bare.filter((b) => b === bare[i]).length > 1;
  return header.map((h, i) => {
    const base = nameOf(h, i, fold, kept(h, i));
    let name = base;
    for (let k = 2; taken.has(headerKey(name)); k++) name = `${base}_${k}`;
    taken.add(headerKey(name));
    return name;
  });
}

export interface HeaderMatch {
  /** Names to read the file's columns with, in file order: the declared name, or `_extra_<n>`. */
  names: string[];
  /** Declared required columns the header does not name: the file cannot be cleaned. */
  missingRequired: string[];
  /** Declared optional columns the header does not name: read as missing values. */
  missingOptional: string[];
  /** Header fields that name no declared column, as written (one with no name as `column_<n> (no name)`). */
  extra: string[];
  /** Declared columns that two header fields name. */
  duplicated: string[];
  /**
   * Fields one name but for case, spaces or punctuation (`Email`, `EMAIL`) filling two columns by their
   * order alone, no column's `header` saying which is which: a file ordering them otherwise would swap them.
   */
  ambiguous: { headers: string[]; columns: string[] }[];
}

/** A header field as a column's `header` names it: exactly, but for spaces around it and how accents are encoded. */
const spelling = (field: string) => field.trim().normalize('NFC');

/**
 * Matches a file's header with a dataset's columns, ignoring case, spaces and punctuation. A field is
 * also matched by the name columnName gives it (`2019` declared as `c_2019`, a field with no name as
 * `column_<n>`), and a name the header repeats by its number (`dup`, `dup_2`): what init writes loads.
 * A field spelled exactly as a column's `header` fills that column first.
 */
export function matchHeader(header: string[], spec: DatasetSpec): HeaderMatch {
  const declared = Object.keys(spec.columns);
  if (spec.headerless) {
    // No header (`header: false`): the fields of the first record are the declared columns, in order.
    const absent = declared.slice(header.length);
    return {
      names: header.map((_, i) => declared[i] ?? `_extra_${i + 1}`),
      missingRequired: absent.filter((c) => spec.columns[c]!.required),
      missingOptional: absent.filter((c) => !spec.columns[c]!.required),
      extra: header.slice(declared.length).map((_, i) => `column_${declared.length + i + 1}`),
      duplicated: [],
      ambiguous: [],
    };
  }
  const byKey = new Map(declared.map((c) => [headerKey(c), c]));
  // A column's other headers (a rename in later exports), where no declared column is called so.
  for (const c of declared) for (const other of spec.columns[c]!.also ?? []) if (!byKey.has(headerKey(other))) byKey.set(headerKey(other), c);
  // A field spelled as a column's `header` fills it wherever it stands (the first of that spelling: a
  // second is numbered as any repeat).
  const spelled = new Map(declared.flatMap((c) => (spec.columns[c]!.header === undefined ? [] : [[spelling(spec.columns[c]!.header!), c] as const])));
  const spellings = header.map(spelling);
  const firstSpelled = new Map<string, number>();
  spellings.forEach((s, i) => firstSpelled.set(s, firstSpelled.get(s) ?? i));
  const exact = spellings.map((s, i) => (firstSpelled.get(s) === i ? spelled.get(s) : undefined));
  const seen = new Map<string, number>();
  for (const c of exact) if (c) seen.set(c, (seen.get(c) ?? 0) + 1);
  const declaredAs = (name: string) => byKey.get(headerKey(name));
  // A definition written before ligatures and signs were spelled out names the header as init did then
  // (`uvre` for `Œuvre`; `change` and `change_2` for `Change %` and `Change`, in that order): when it
  // declares some of those names and none of today's, the fields they differ for are matched by them.
  const now = columnNames(header);
  const before = namesOf(header, legacyFold);
  const writtenBefore = before.some((n) => !now.includes(n) && declaredAs(n)) && !now.some((n) => !before.includes(n) && declaredAs(n));
  // A definition of both eras (an old `sales` for `Sales ($)`, a `margin_pct` added since): a field no name matches takes
  // its earlier name, when no field is called so now (so that no two fields take one column).
  const earlierName = (i: number) => (before[i] !== now[i] && !now.some((n) => headerKey(n) === headerKey(before[i]!)) ? declaredAs(before[i]!) : undefined);
  const names = header.map((h, i) => {
    if (exact[i]) return exact[i];
    const key = headerKey(h);
    let c =
      writtenBefore && before[i] !== now[i]
        ? (declaredAs(before[i]!) ?? byKey.get(headerKeys(h).at(-1)!))
        : ((key ? byKey.get(key) : undefined) ?? declaredAs(columnName(h, i)) ?? declaredAs(nameOf(h, i, asciiFold, true)) ?? earlierName(i));
    if (!c) return `_extra_${i + 1}`;
    // Taken already: the first of <name>_2, <name>_3... declared and not taken, as columnNames numbers them.
    const base = c;
    for (let k = 2; seen.has(c); k++) {
      const numbered = byKey.get(headerKey(`${base}_${k}`));
      if (!numbered) break;
      if (!seen.has(numbered)) c = numbered;
    }
    seen.set(c, (seen.get(c) ?? 0) + 1);
    return c;
  });
  const absent = declared.filter((c) => !seen.has(c));
  const byField = new Map<string, number[]>();
  header.forEach((h, i) => {
    const key = headerKey(h);
    if (key && !exact[i] && !names[i]!.startsWith('_extra_')) byField.set(key, [...(byField.get(key) ?? []), i]);
  });
  const ambiguous = [...byField.values()].flatMap((fields) => {
    const columns = [...new Set(fields.map((i) => names[i]!))];
    return new Set(fields.map((i) => spelling(header[i]!))).size > 1 && columns.length > 1 ? [{ headers: fields.map((i) => header[i]!.trim()), columns }] : [];
  });
  return {
    names,
    missingRequired: absent.filter((c) => spec.columns[c]!.required),
    missingOptional: absent.filter((c) => !spec.columns[c]!.required),
    extra: header.flatMap((h, i) => (names[i]!.startsWith('_extra_') ? [h || `${columnName(h, i)} (no name)`] : [])),
    duplicated: declared.filter((c) => (seen.get(c) ?? 0) > 1),
    ambiguous,
  };
}

/**
 * The header line's bounds in a file's first bytes, after `skipLines` lines (a title, an export's notes):
 * `end` is its newline, -1 when `start` holds none. Undefined when `start` ends within those lines.
 */
export function headerSpan(start: Buffer, skipLines = 0, quoting?: Quoting): { begin: number; end: number } | undefined {
  let begin = 0;
  for (let k = 0; k < skipLines; k++) {
    const newline = start.indexOf(10, begin);
    if (newline === -1) return undefined;
    begin = newline + 1;
  }
  return { begin, end: headerEnd(start, begin, quoting) };
}

/**
 * The newline ending the header that starts at `begin`: the first outside double quotes, since a
 * header cell may hold a line break (Excel's wrapped text: `"Population<LF>2019"`), or the first
 * with `quote: none`; -1 when `bytes` holds none.
 */
export function headerEnd(bytes: Buffer, begin = 0, quoting?: Quoting): number {
  if (quoting === 'none') return bytes.indexOf(10, begin);
  let quoted = false;
  for (let i = begin; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 34) quoted = !quoted;
    else if (b === 10 && !quoted) return i;
  }
  return -1;
}

/** DuckDB's read_csv option for the header: a dataset's files have one, unless it says `header: false`. */
export function headerOption(spec: { headerless?: true } | undefined): string {
  return `header = ${spec?.headerless ? 'false' : 'true'}`;
}

/** DuckDB's read_csv quote options: `""` or (`escape: backslash`) `\"` is a quote inside a quoted value; `quote: none`, no quotes. */
export function quoteOptions(escape: Quoting): string {
  if (escape === 'none') return `quote = '', escape = ''`;
  return escape ? `quote = '"', escape = '\\'` : `quote = '"', escape = '"'`;
}

/** DuckDB's read_csv option skipping the lines before the header (DuckDB counts blank lines there too, as skip_lines does). */
export function skipOption(skipLines: number | undefined): string {
  return skipLines ? `, skip = ${skipLines}` : '';
}

/** The refusal of a file that ends before its header, or whose lines before it are too long. */
export function noHeaderAfter(fileName: string, skipLines: number): UserError {
  return new UserError(
    `${fileName}: no header line after the ${skipLines} line${skipLines > 1 ? 's' : ''} skip_lines skips (the file ends first, or they hold more than 64 KiB)`,
    'set skip_lines in its dataset definition to the number of lines before the header',
  );
}

/** Reads just the header line of a CSV file, after its first `skipLines` lines. */
export async function inspectHeader(file: string, delimiter = ',', skipLines = 0, encoding: SourceEncoding = 'utf-8', escape?: Quoting): Promise<string[]> {
  const start = await readTextStart(file, MAX_HEADER_BYTES);
  const span = headerSpan(start, skipLines, escape);
  if (!span || (skipLines > 0 && span.begin === start.length)) throw noHeaderAfter(path.basename(file), skipLines);
  return parseHeader(decodeText(start.subarray(span.begin, span.end === -1 ? start.length : span.end), encoding), delimiter, escape);
}
