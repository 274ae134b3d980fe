import { sqlString as str } from '../engine/duckdb.js';

/**
 * The flags statistics offices write after a figure, which a column declared `flags: true` reads without:
 * Statistics Canada's quality grades `A` to `E` (`490.3E`: use with caution), its `r` (revised,
 * `"20,799.0 r"`) and `p` (preliminary); Eurostat's `b` (break in series), `c`, `d`, `e` (estimated), `f`
 * (forecast), `n`, `p`, `r`, `s`, `u` (low reliability), `z`, alone or together (`12.3 bep`); and one in
 * brackets, as the ONS writes them (`385,614 [p]`). Its `F` (too unreliable), `x`, `..` and Eurostat's `:`
 * are figures withheld, no flags: null_values read them (infer-spellings.ts).
 */
const FLAG = '([A-E]|[bcdefnprsuz]{1,3}|\\[[a-z]\\])';
const SPACE = '[\\s\u00a0\u202f]';

/** A number then its flag: the number (a point, a unit's sign or an accounting negative's parenthesis may end it: `5.9%E`, `(1.5) r`) as group 1. */
const FLAGGED = `^${SPACE}*(.*[0-9][^A-Za-z0-9]{0,3}?)${SPACE}*${FLAG}${SPACE}*$`;

/** SQL: text `r` ends with a flag after a digit (`1e3`, an exponent, does not: digits follow its `e`). */
export const hasFlag = (r: string) => `regexp_full_match(${r}, ${str(FLAGGED)})`;

/** SQL: the number of text `r` that hasFlag, without its flag (`"20,799.0 r"` → `20,799.0`), for the number's reading to judge. */
export const flaggedNumber = (r: string) => `regexp_extract(${r}, ${str(FLAGGED)}, 1)`;

/** SQL: text `r` without its flag, `r` itself when it has none. */
export const withoutFlag = (r: string) => `CASE WHEN ${hasFlag(r)} THEN ${flaggedNumber(r)} ELSE ${r} END`;

/** SQL: the flag of text `r` (`r`, `E`, `[p]`), NULL when it has none. */
export const flagOf = (r: string) => `CASE WHEN ${hasFlag(r)} THEN regexp_extract(${r}, ${str(FLAGGED)}, 2) END`;

/**
 * SQL: `r` is a figure that init takes as flagged: its flag set apart by a space or in brackets (`12.3 p`, `385,614 [p]`),
 * or its number written with a decimal point or thousands (`490.3E`, `1,234r`). Not `12B` or `221b`: an apartment's, a
 * class's or a seat's number (`14C`) is no figure.
 */
export const figureFlagged = (r: string) => `(${hasFlag(r)} AND regexp_matches(${r}, ${str(`([0-9]${SPACE}+[A-Za-z\\[]|[.,][0-9]+\\)?${SPACE}*[A-Za-z\\[][a-z]*\\]?${SPACE}*$)`)}))`;

/**
 * The marks of the offices that flag their figures too (Statistics Canada's `..`, `x`, `F`; Eurostat's `:`; the ONS's `[x]`,
 * `[c]`...): a column of numbers beside them may carry a flag in a later release (a revised `"20,799.0 r"`). init declares
 * it `flags: true` (init-yaml.ts), so that the revision is read, not quarantined while the old figure is served; the run
 * says so of such a column declared without it (row-rules.ts).
 */
export const FLAGGING_MARKS = ['..', '...', 'x', 'X', 'F', ':', ': c', ': z', ': u', ': n', ': b', ': e', ': p', '[x]', '[c]', '[z]', '[u]', '[w]', '[low]'];
