import { sqlString as str } from '../engine/duckdb.js';
import type { DecimalSeparator } from '../project/types.js';

/**
 * Text `r` as a number of SQL `type`: as DuckDB casts it, or read with a decimal comma ("12,50", "0,125"),
 * or with commas that can only group thousands ("1,234.50", "1,234,567"). Not repaired without
 * `decimal_separator: "."`, so quarantined: "1,234" or "-12,500", where the comma separates thousands
 * as often as it marks decimals, and reading it wrong is a factor of 1,000. With it declared (a dataset
 * of `decimal_separator: "."`), a comma groups thousands only: "1,234" is 1234, "12,5" no number.
 */
export function numberExpr(r: string, type: string, decimalSeparator?: DecimalSeparator): string {
  if (decimalSeparator === ',') return commaNumberExpr(r, type);
  const thousands = `TRY_CAST(replace(${r}, ',', '') AS ${type})`;
  if (decimalSeparator === '.') {
    // A first group of 0 is no thousands group: "0,125" is no number here.
    const grouped = `regexp_full_match(${r}, '\\s*[+-]?[1-9][0-9]{0,2}(,[0-9]{3})+([.][0-9]*)?\\s*')`;
    return `coalesce(TRY_CAST(${r} AS ${type}), CASE WHEN ${grouped} THEN ${thousands} END)`;
  }
  const decimalComma = `contains(${r}, ',') AND NOT contains(${r}, '.') AND NOT regexp_full_match(${r}, '\\s*[+-]?[1-9][0-9]*,[0-9]{3}\\s*')`;
  const onlyThousands = `regexp_full_match(${r}, '\\s*[+-]?[1-9][0-9]{0,2}((,[0-9]{3})+[.][0-9]*|(,[0-9]{3}){2,})\\s*')`;
  return `coalesce(TRY_CAST(${r} AS ${type}), CASE WHEN ${onlyThousands} THEN ${thousands} WHEN ${decimalComma} THEN TRY_CAST(replace(${r}, ',', '.') AS ${type}) END)`;
}

/**
 * Text `r` as a number of a dataset whose decimal separator is the comma (`decimal_separator: ","`):
 * `12,5`, `1.234,56`, `1 234,5` (a space, or a non-breaking one, groups thousands too), `1234`. A dot is
 * a thousands separator only between groups of three digits: `12.5` and `1.23` are no numbers here
 * (quarantined), where reading them as 12.5 or 1,23 would be a guess.
 */
function commaNumberExpr(r: string, type: string): string {
  const t = `trim(${r})`;
  const shaped = `regexp_full_match(${t}, '[+-]?([0-9]{1,3}([. \u00a0\u202f][0-9]{3})+|[0-9]+)(,[0-9]+)?')`;
  return `CASE WHEN ${shaped} THEN TRY_CAST(replace(regexp_replace(${t}, '[. \u00a0\u202f]', '', 'g'), ',', '.') AS ${type}) END`;
}

/** The units `init --from-csv` recognises around numbers: currency symbols, codes set apart by a space (Salesforce's `USD 1,234.50`) and the percent sign. */
export const KNOWN_UNITS = ['R$', 'US$', '$', '€', '£', '¥', '₹', '%', 'USD', 'EUR', 'GBP', 'CAD', 'AUD', 'CHF', 'JPY', 'INR', 'BRL'] as const;

/** SQL: text `r` holds a number whose commas group thousands (`30,825`, `¥1,493,586`, `-1,234.5`), digits on neither side. */
export const commaGrouped = (r: string) => `regexp_matches(${r}, '(^|[^0-9.,])[1-9][0-9]{0,2}(,[0-9]{3})+([.][0-9]*)?($|[^0-9.,])')`;

/**
 * SQL: text `r` holds a number whose spaces group thousands (`652 432`, a no-break space as INSEE and French Excel
 * write it), with a decimal comma where `decimals` (`1 234,5`): what a dataset of `decimal_separator: ","` reads.
 */
export const spaceGrouped = (r: string, decimals: boolean) => `regexp_full_match(trim(${r}), '[+-]?[0-9]{1,3}([ \u00a0\u202f][0-9]{3})+${decimals ? '(,[0-9]+)?' : ''}')`;

/**
 * SQL: for raw value `r` of a number column that did not read, the option that reads it, in
 * parentheses, or '': its unit, where the column declares none (`$5`); `decimal_separator: "."` where
 * its commas group thousands and the dataset declares no separator (`30,825`, which may be 30.825 else).
 */
export function numberHints(r: string, unit: string | undefined, decimalSeparator: DecimalSeparator | undefined): string {
  const units = unit === undefined ? KNOWN_UNITS.map((u) => `WHEN contains(${r}, ${str(u)}) THEN ${str(` (declare unit: "${u}" on the column to read it)`)}`) : [];
  const thousands = decimalSeparator === undefined ? [`WHEN ${commaGrouped(r)} THEN ${str(' (its commas group thousands: declare decimal_separator: "." in the dataset to read it)')}`] : [];
  return units.length + thousands.length ? `CASE ${[...units, ...thousands].join(' ')} ELSE '' END` : "''";
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// Digits with the separators silver's number reading knows (dots, commas, spaces, non-breaking ones); it
// judges them. A point may end them (`$5.`), as some exports print whole amounts.
const DIGITS = '([.]?[0-9](?:[0-9., \u00a0\u202f]*[0-9])?[.]?)';

// A space around a unit or sign: a no-break one too (U+00A0, and U+202F, narrow), as French exports and Excel write
// `12,5 %` and `74,50 €` (RE2's \s is ASCII only). A sign: a typeset minus too (U+2212), which the number's reading takes as a hyphen.
const SPACE = '[\\s\u00a0\u202f]';
const SIGN = '([+\\-\u2212]?)';

/**
 * Text `r` of a column declared with a `unit` (`$`, `€`, `%`, `kg`), as the number alone: the unit
 * before or after it (`$1,234.50`, `-$5`, `$-5`, `1 234,56 €`, `98%`, `614,10- €`), and a number in parentheses
 * as a negative, as accounting writes it (`($1,234.50)`, `(5.00)`). NULL where the value is not so
 * written: another unit (`€5` in a `$` column) is no number of this column, and is quarantined
 * rather than mixed in. A no-break space is a space here: `12,5\u00a0%` and `1\u202f234,50\u00a0€` read as
 * with plain ones. Silver's reading of such a column and init's typing of it both take the unit off so.
 */
export function withoutUnit(r: string, unit: string): string {
  const u = escapeRegex(unit);
  // A minus after the number too (`$614.10-`, `614,10- €`), as SAP writes: left on it, the number's reading takes it (accountingNegative).
  const before = `^${SPACE}*${SIGN}${SPACE}*${u}${SPACE}*${SIGN}${SPACE}*${DIGITS}${SPACE}*-?${SPACE}*$`;
  const after = `^${SPACE}*${SIGN}${SPACE}*${DIGITS}${SPACE}*-?${SPACE}*${u}${SPACE}*-?${SPACE}*$`;
  const negative = `^${SPACE}*\\(${SPACE}*(?:${u}${SPACE}*)?${DIGITS}${SPACE}*(?:${u}${SPACE}*)?\\)${SPACE}*$`;
  // Once the pattern says where the unit is, plain replacements take it, the spaces and parentheses off
  // (regexp_replace and translate cost several times as much), the no-break ones as the plain ones.
  const shaped = `regexp_full_match(${r}, ${str(`(${before})|(${after})|(${negative})`)})`;
  const bare = ['(', ')', ' ', '\u00a0', '\u202f'].reduce((e, ch) => `replace(${e}, ${str(ch)}, '')`, `replace(${r}, ${str(unit)}, '')`);
  return `CASE WHEN ${shaped} THEN (CASE WHEN contains(${r}, '(') THEN '-' ELSE '' END) || ${bare} END`;
}

/** SQL: text `r` ends with a magnitude right after a digit (`52.34K`, `1.23M`, `2.10B`, `1T`, `-1.5k`), spaces after it or none. */
export const magnitudeWritten = (r: string) => `regexp_matches(${r}, '[0-9][KkMBT][\\s\u00a0\u202f]*$')`;

/**
 * SQL: the number of text `r` of a column declared `magnitudes: true`: where it ends with a magnitude (see
 * magnitudeWritten), the number before it, as `read` (SQL over `_k`) reads it, times a thousand (`K`, `k`), a
 * million (`M`), a billion (`B`) or a trillion (`T`); else `plain`, its reading as written. The power of ten is
 * added to the exponent of the number's shortest text, not multiplied in: 1.07 * 1e9 is 1070000000.0000001 as
 * a double, `1.07e9` is 1070000000, as written. NULL where the number before it does not read (`1.2.3K`).
 */
export function withMagnitude(r: string, read: (k: string) => string, plain: string): string {
  const t = `trim(${r})`;
  const power = `CASE right(${t}, 1) WHEN 'T' THEN 12 WHEN 'B' THEN 9 WHEN 'M' THEN 6 ELSE 3 END`;
  const scaled = `TRY_CAST(split_part(_s, 'e', 1) || 'e' || (coalesce(TRY_CAST(split_part(_s, 'e', 2) AS INTEGER), 0) + ${power}) AS DOUBLE)`;
  const number = `list_transform([CAST(${read('_k')} AS VARCHAR)], lambda _s: ${scaled})[1]`;
  return `CASE WHEN ${magnitudeWritten(r)} THEN list_transform([substr(${t}, 1, length(${t}) - 1)], lambda _k: ${number})[1] ELSE ${plain} END`;
}

/**
 * SQL: text `r` holding a negative number as accounting writes it, in parentheses (`(290.65)`,
 * `(1,290.65)`, `(12)`) or with its minus after it, as SAP's and DATEV's exports do (`614,10-`), as the
 * number with its minus before it (`-290.65`, `-614,10`), which the reading of the column then judges
 * as any number (its decimal separator, its thousands). NULL for any other text: `(see note)`, a phone's
 * `(555) 123-4567`, `-5`, `5--`.
 */
export function accountingNegative(r: string): string {
  const t = `trim(${r})`;
  const shaped = `regexp_full_match(${t}, ${str(`\\(\\s*${DIGITS}\\s*\\)|${DIGITS}[\\s\u00a0\u202f]*-`)})`;
  return `CASE WHEN ${shaped} THEN '-' || trim(${t}, ${str('() -\u00a0\u202f')}) END`;
}

/** `r` as a number's reading takes it: an accounting negative with its minus first (see accountingNegative), any other text as it is. */
export const minusFirst = (r: string) => `coalesce(${accountingNegative(r)}, ${r})`;

/**
 * The typed value of `r` read by `read` (SQL over `_n`) once written with its minus first, where `r` is an
 * accounting negative (see accountingNegative); NULL otherwise. The rewritten text is bound once (a
 * lambda), where `read` refers to its value several times.
 */
export function readAsNegative(r: string, read: (n: string) => string): string {
  return `CASE WHEN contains(${r}, '(') OR contains(${r}, '-') THEN list_transform([${accountingNegative(r)}], lambda _n: ${read('_n')})[1] END`;
}

/** Whether a text holds a character of more than one byte (such as a non-breaking space), which only trim() removes of the spaces. */
export function unicodeSpaced(r: string): string {
  return `strlen(${r}) <> length(${r})`;
}

/** `r` trimmed of Unicode spaces, its minus sign (U+2212, as typeset tables and ONS write `−43.1`) a hyphen. */
export const unicodeTrimmed = (r: string) => `replace(trim(${r}), '\u2212', '-')`;

/**
 * SQL `CASE` branch: an integer written as a float, one zero after its point (`17850.0`: pandas writes an
 * id column so where one is missing), as `value` reads it. Not with decimal commas, where `1.000` groups thousands.
 */
export function floatWrittenInteger(r: string, value: string, decimalSeparator?: DecimalSeparator): string {
  return decimalSeparator === ',' ? '' : ` WHEN regexp_full_match(${r}, '\\s*[+-]?[0-9]+[.]0\\s*') THEN ${value}`;
}
