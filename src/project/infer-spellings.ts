/** How values are written in the exports init reads: spellings of missing, date formats, names of codes (infer.ts). */

import { minusFirst, unicodeSpaced } from '../pipeline/number-reading.js';

/**
 * SQL: a value as silver reads it, for its type to be told: an accounting negative (`(290.65)`, SAP's and
 * DATEV's `614,10-`) with its minus first; a minus sign (U+2212: `−43.1`, typeset tables, ONS) a hyphen;
 * a no-break space (U+202F before AM/PM, as newer Excel, macOS and ICU write times; U+00A0) a plain one.
 * Only a value of a multi-byte character is searched for the last two.
 */
export const asRead = (c: string) => `CASE WHEN starts_with(${c}, '(') OR ends_with(${c}, '-') THEN ${minusFirst(c)} WHEN ${unicodeSpaced(c)} THEN replace(replace(replace(${c}, '\u2212', '-'), '\u202f', ' '), '\u00a0', ' ') ELSE ${c} END`;

/** Spellings of "no value" seen in exports (R, pandas, Excel, databases). */
export const NULL_TOKENS = ['NA', 'N/A', 'n/a', 'na', 'NaN', 'nan', 'null', 'NULL', 'Null', 'None', 'none', '-', '#N/A', 'nil', '\\N',
  // Spelled out (Amazon's order history: a `Ship Date` of `Not Available`).
  'Not Available', 'Not available', 'not available', 'Not Applicable', 'Not applicable', 'not applicable'];
/**
 * Marks official statistics write for a figure that is missing, withheld or not applicable: FRED's `.`,
 * the World Bank's, ONS's and OECD's `..`, ONS's `[x]` `[c]` `[z]`, Eurostat's `:`, the US Census's and
 * BEA's `(D)` `(NA)` `(X)` (and the Census' `**`, `*****`, its API's `-666666666`), INSEE's `s`, dashes. Too common as values of text columns to be missing in
 * every column (`x` for a tick, `s` for a size): where a column is numbers (or dates) but for them,
 * they are that column's own `null_values`.
 */
export const STATISTICS_MARKS = [
  ...['.', '..', '...', ':', 'x', 'X', 's', '*', '?', '—', '–', '[x]', '[c]', '[z]', '[u]', '[w]', '[low]', '(D)', '(NA)', '(X)', '(S)', '(Z)', 'n.a.', 'n/d', 'N/D'],
  // Statistics Canada's `F` (too unreliable to publish: a boolean's false beside `T`, see infer.ts), INSEE's `nd`,
  // Eurostat's `:` with its flag (`: c` confidential).
  ...['F', 'nd', 'n.d.', ': c', ': z', ': u', ': n', ': b', ': e', ': p'],
  // Garmin's `--` for a figure a device did not record. (Not the Census' `N`: a column of `N` alone is a flag's no.)
  ...['--'],
  // NOAA's `M` (missing) in its climate data (its `T`, a trace, see tracedType).
  ...['M'],
  // A figure below a threshold, too small to publish: Google Trends' `<1`, suppressed small counts (`<5`, `<10`).
  ...['<1', '<0.5', '<0.1', '<5', '<10'],
  // Japan's e-Stat tables' `…` (not available), an ellipsis of one character.
  ...['\u2026'],
  // A spreadsheet's errors in place of a figure (a formula exported as its result).
  ...['#DIV/0!', '#REF!', '#VALUE!', '#NUM!', '#NAME?', '#NULL!', '#N/A!'],
  // The US Census' annotations of estimates and margins of error, and its API's sentinels in their place.
  ...['**', '***', '*****', '-666666666', '-999999999', '-888888888', '-555555555', '-333333333', '-222222222'],
];
/** A column named as a day (GA4's `Date` of `20240101`): its eight digits are a date, not a number. */
export const DATE_NAME = /(^|_)(date|day|jour|datum|fecha|data)$/;
/** The same in Chinese, Japanese and Korean headers (`日付`, `取引日`, `年月日`, `交易日期`, `날짜`, `거래일자`), whose names are code points (`c_53d6_5f15_65e5`). */
const DATE_HEADER = /(日|日付|日期|날짜|일자)$/u;
/** Whether a column is named as a day, by its name or its header as written. */
export const dateNamed = (name: string, header: string) => DATE_NAME.test(name) || DATE_HEADER.test(header.trim());
/**
 * A column named as an instant (`timestamp`, `ts`, `created_at`, `start_time`, Reddit's `created_utc`, `epoch_ms`):
 * its integers of this century are Unix time (infer.ts). Not `amount` or `id`, whose integers may well be as large.
 */
export const TIME_NAME = /(^|_)(timestamp|time|ts|epoch|datetime|date|at|utc|created|updated|modified)(_(s|sec|secs|seconds|ms|millis|milliseconds))?$/;
/** With a two-digit year too ("01/05/24"), which %Y would read as the year 24. */
/** And Lichess' (PGN's) `2024.01.31`. */
/** Periods written as text that sort as time does: a year and its quarter, half, month or ISO week (`2014Q1`, `2014-Q1`, `2024-01`, `2024M01`, `2024-W05`, `2024H1`). */
export const PERIOD_TEXT = '(19|20)[0-9]{2}[-/ ]?(Q[1-4]|H[12]|M?(0[1-9]|1[0-2])|W(0[1-9]|[1-4][0-9]|5[0-3]))';
export const NUMERIC_DATE_FORMATS = ['%d/%m/%Y', '%m/%d/%Y', '%Y/%m/%d', '%d.%m.%Y', '%d-%m-%Y', '%m-%d-%Y', '%Y%m%d', '%d/%m/%y', '%m/%d/%y', '%d.%m.%y', '%Y.%m.%d'];
/**
 * And dates with an English month name ("Jan 1 2000", "01-Jan-2020", "March 5, 2024"), with their day
 * of the week too ("Monday, August 19, 2024", as a spreadsheet's long date; "Mon, 19 Aug 2024"), without a time of day;
 * and as Japanese and Chinese (`2024年1月16日`) and Korean (`2024년 1월 16일`) write them.
 */
export const DATE_FORMATS = [...NUMERIC_DATE_FORMATS, '%b %d %Y', '%b %d, %Y', '%d %b %Y', '%d-%b-%Y', '%B %d %Y', '%B %d, %Y', '%d %B %Y', '%d/%b/%y', '%d/%b/%Y', '%A, %B %d, %Y', '%a, %b %d, %Y', '%A, %d %B %Y', '%a, %d %b %Y', '%Y年%m月%d日', '%Y년 %m월 %d일'];
const TIME_SUFFIXES = [' %H:%M:%S', ' %H:%M', 'T%H:%M:%S', ' %I:%M:%S %p', ' %I:%M %p'];
// And Jira's `01/Mar/24 10:15 AM`.
// And month names with a time: Strava's `Jan 5, 2024, 7:12:00 AM`, `5 Jan 2024 07:12:00`.
export const TIMESTAMP_FORMATS = [...NUMERIC_DATE_FORMATS.filter((f) => f !== '%Y%m%d').flatMap((d) => TIME_SUFFIXES.map((t) => `${d}${t}`)), '%d/%b/%y %I:%M %p', '%d/%b/%y %H:%M', '%b %d, %Y, %I:%M:%S %p', '%b %d, %Y %I:%M:%S %p', '%d %b %Y %H:%M:%S', '%d %b %Y %H:%M', '%a, %d %b %Y %H:%M:%S', '%a, %d %b %Y %H:%M'];
/**
 * SQL: the value starts with a zero followed by a digit ("00501", "0612"): a code (a ZIP code, a phone
 * or account number) whose zeros a number would drop. Such a column stays text.
 */
export const zeroLed = (v: string) => `regexp_matches(${v}, '^[+-]?0[0-9]')`;
/**
 * Names of codes written in digits whose zeros matter even where the file at hand has none: postal codes, FIPS, phone numbers,
 * product codes, a card's last four digits (Square's `PAN Suffix`, Stripe's `Card Last4`: `0042` in next month's file), account numbers.
 */
export const CODE_NAME = /(^|_)(zip|zipcode|postcode|postal|plz|fips|geoid|insee|siren|siret|phone|tel|telephone|ean|upc|gtin|isbn|code|last4|pan_suffix|routing)(_(number|no|num|code|digits))?$|^(code|zip|fips|insee)_|(^|_)last_(4|four)(_digits)?$|(^|_)(account|acct)_(number|no|num)$/;
/** A column named as an identifier: `id`, `customer_id`, `code`, `key`, `number`... */
export const ID_LIKE = /(^|_)(id|key|code|uuid|number|no|num|ref)($|_)/;
/** A column that tells which period a figure is of: a panel's year, Eurostat's `time_period`. */
export const PERIOD_LIKE = /(^|_)(year|month|quarter|week|date|day|period)$/;
/**
 * A column named as an identifier whose numbers are none to measure by: ID_LIKE, but not an English count
 * (`num_reviews`, `number_of_rooms`, `no_of_items`), whose decimals (an average) are a measure's.
 */
export const idNamed = (name: string) => ID_LIKE.test(name) && !/^(num|number|no)_/.test(name);
export const BOOLEANS = ['true', 'false', 't', 'f', 'yes', 'no', 'y', 'n'];

/**
 * A file writes its dates one way: where one of its columns is proven month first or day first (a value
 * past 12 read so), its columns whose every value reads both ways (`01/05/2024`) take that order.
 */
export function oneDateOrder(columns: { format?: string; ambiguousWith?: string }[]): void {
  const order = (f: string | undefined) => (f?.startsWith('%m/%d') ? 'month' : f?.startsWith('%d/%m') ? 'day' : undefined);
  const proven = new Set(columns.flatMap((c) => (c.format && !c.ambiguousWith && order(c.format) ? [order(c.format)] : [])));
  if (proven.size !== 1) return;
  const [wanted] = proven;
  for (const c of columns) {
    if (!c.ambiguousWith || !order(c.format) || order(c.ambiguousWith) !== wanted) continue;
    c.format = c.ambiguousWith;
    delete c.ambiguousWith;
  }
}
