/**
 * Values written as Excel formulas of text: `="0316769487"`, `=""`. Goodreads' export and many banks'
 * write codes so, so that a spreadsheet keeps their leading zeros (and does not round 16 digits); the
 * value is the text between the quotes, a `"` in it doubled (`="a""b"` is `a"b`). Read so only in a
 * column declared `excel_text: true` (init declares it where the file writes them): a field of another
 * shape (`=A1+1`, `="a"&"b"`) stays as written.
 */

/** SQL: field `f` is a formula of text alone, `="` to the closing `"` at its end. */
export const excelShaped = (f: string) => `regexp_full_match(${f}, '="([^"]|"")*"')`;

/** SQL: field `f` as its formula of text means it (NULL for `=""`, as an empty field), any other field as written. */
export function excelText(f: string): string {
  // starts_with first: the pattern is matched only on the fields that may be one.
  return `CASE WHEN starts_with(${f}, '="') AND ${excelShaped(f)} THEN nullif(replace(${f}[3:-2], '""', '"'), '') ELSE ${f} END`;
}
