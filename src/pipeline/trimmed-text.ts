import { sqlString as str } from '../engine/duckdb.js';

// A field's text as silver's rules read it (and init's inference): without the spaces and tabs around
// it, missing when nothing, or a spelling of missing, is left.

/**
 * Whether `expr` is one of the text `values` (NULL when `expr` is NULL, as with IN). Not `expr IN (…)`:
 * DuckDB rewrites a list of several constants into a join with them, and a join in silver's cleaning
 * statement lets its output leave file order, which "first row of a key wins" and every reported data
 * row number depend on (seen at 2M rows: a row reported as data row 1,742,736 was row 1,500,000).
 */
export function oneOf(expr: string, values: readonly string[]): string {
  if (values.length === 1) return `(${expr} = ${str(values[0]!)})`;
  return `list_contains([${values.map(str).join(', ')}], ${expr})`;
}

/** Whether a trimmed text means a missing value: empty, or one of the declared spellings. */
export const isMissingSpelling = (trimmed: string, spellings: readonly string[]) => oneOf(trimmed, ['', ...spellings.filter((v) => v !== '')]);

/** The spaces DuckDB's trim() removes (Unicode's Zs: U+0020, U+00A0, U+3000...), and the tab, which it leaves. */
const SPACES_AND_TAB = ' \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t';

/**
 * `r` without the spaces around it, and the tabs unless `tabs` is false (a tab-separated file's, where a
 * tab is the delimiter: one inside quotes is the value's). Around a value of another file a tab is never
 * data: Alipay writes its ids `2024…889\t,` so that Excel does not round them, which kept as written
 * would join nothing. trim() with characters to remove took 7 times as long as trim(): only a text
 * holding a tab is trimmed so.
 */
export function trimmed(r: string, tabs = true): string {
  return tabs ? `CASE WHEN contains(${r}, chr(9)) THEN trim(${r}, ${str(SPACES_AND_TAB)}) ELSE trim(${r}) END` : `trim(${r})`;
}

/**
 * `r` trimmed, a no-break space inside it (U+202F, narrow, as newer Excel, macOS and ICU write `3/14/2024
 * 2:05 PM` before its AM/PM; U+00A0) a plain one, as the date formats write it. Read so only where the
 * value as written did not read: replacing on every date would cost the usual ones.
 */
export const dateText = (r: string) => `replace(replace(trim(${r}), '\u202f', ' '), '\u00a0', ' ')`;

/**
 * A text field without its surrounding spaces (and tabs: see trimmed), NULL when nothing is left.
 * Trimming every field of millions of rows costs more than looking at its ends, so only the fields
 * trim() could change are trimmed (trimCouldChange).
 */
export function trimmedText(r: string, nullSpellings: readonly string[] = [], tabs = true): string {
  const t = trimmed(r, tabs);
  const value = nullSpellings.length ? `CASE WHEN ${isMissingSpelling(t, nullSpellings)} THEN NULL ELSE ${t} END` : `nullif(${t}, '')`;
  return `CASE WHEN ${r} = '' THEN NULL WHEN ${trimCouldChange(r, tabs)} THEN ${value} ELSE ${r} END`;
}

/**
 * Whether trimming could change a text: a space or a tab at an end, or a non-ASCII character (trim also
 * removes Unicode spaces such as U+00A0; byte length differs from character length exactly when there
 * is one). Its first byte is compared rather than matched (`r < '!'`: a space, a tab or a control
 * character): cheaper than starts_with, it pays for the tab looked for at the end.
 */
export function trimCouldChange(r: string, tabs = true): string {
  return `(${r} < '!' OR ends_with(${r}, ' ')${tabs ? ` OR ends_with(${r}, chr(9))` : ''} OR strlen(${r}) <> length(${r}))`;
}
