import { literalGlob } from './globs.js';
import { TRAILING_NAMED_DATE, TRAILING_PERIOD, trailingHashAt } from './stem-tokens.js';

/** A trailing number, period or numbered part after a separator: `_2024-01`, `-3`, `_2023Q4`, `_2024M01`, `-part1`, `_part_2`. */
const TRAILING = /[_\-. ]+(\d+|(?:19|20)\d{2}[mqtshw]\d{1,2}|part[_\-. ]?\d+)$/i;

/**
 * A date or period written before the name, then a separator and a letter: a year, a month (`202401-`,
 * `2024-01_`, `2024_01_`), a day (`20240115_`, with a time `20240115_143000_`) or a period (`2024Q1-`,
 * `2024M01_`), also before an account's number (Sparkasse's `20240131-1234567-umsatz`, the number staying
 * in the stem: it names the account). Not a number that names the data (`311_requests`, `2fa_users`, `1000_genomes`), nor a
 * date alone (`2024-01.csv`), which is all the name there is.
 */
const LEADING = /^(?:19|20)\d{2}(?:[-_.]?(?:0[1-9]|1[0-2])(?:[-_.]?(?:0[1-9]|[12]\d|3[01])(?:[-_. T]?[0-2]\d[0-5]\d(?:[0-5]\d)?)?)?|[-_. ]?[mqtshw]\d{1,2})?[-_. ]+(?=\p{L}|\d{5,}[-_. ]+\p{L})/iu;

/** A file's name without its extension and a browser's number of a second download (`DGS10 (1).csv`: the same table). */
function bareName(file: string): string {
  return file.replace(/\.[^.]*$/, '').replace(/ \(\d+\)$/, '');
}

/** The date or period a file's name starts with, and its separator (`202401-` of `202401-citibike-tripdata.csv`), or ''. */
export function datePrefix(file: string): string {
  return LEADING.exec(bareName(file))?.[0] ?? '';
}

/**
 * The glob of a date prefix: each digit `[0-9]`, so that the next month's file (`202402-`) matches and no
 * other table's: its name has the same digits, then the same separator and stem, where a `[0-9]*` would
 * let one dataset's `[0-9]*-trips*.csv` take another's `202401-stations-trips.csv`.
 */
export function prefixGlob(prefix: string): string {
  return [...prefix].map((c) => (/\d/.test(c) ? '[0-9]' : literalGlob(c))).join('');
}

/** `flights_2024-01.csv` → `flights`: the name without its extension and leading or trailing dates or part numbers. */
export function fileStem(file: string): string {
  const bare = bareName(file);
  // `202401-citibike-tripdata.csv` is of `citibike-tripdata`, as `citibike-tripdata_2024-01.csv` is.
  const named = bare.slice(datePrefix(file).length);
  // Trailing dates, times and part numbers after a separator ("orders_2024-01", "orders_20240115_143000",
  // "export-3", "part-00001", "pp-2019-part1", INE's "2024M01"), dates naming their month (Fidelity's
  // "Portfolio_Positions_Jan-31-2024", "sales_31-Jan-2024", "report_Sep_2024") and download ids (Mailchimp's
  // "subscribed_members_export_3f8e2a91c4", a UUID), in any order; then a year or a date written onto the name ("sales202401",
  // "flights2024"); not a number that names the data ("nyc_311", "sp500", "top_100").
  // A period of two dates names the delivery, with a locale or a download id after it (Revolut's
  // `account-statement_2024-01-01_2024-02-29_en-gb_3f2a1b`, `_01-Jan-2024_to_31-Jan-2024`); a word after it (`_eur`, `_usd`) names the table.
  let stem = named.replace(TRAILING_PERIOD, '');
  // Qualtrics names an export after its survey and when it was made: `Customer Survey_March 15, 2024_09.15`.
  stem = stem.replace(/_(january|february|march|april|may|june|july|august|september|october|november|december) \d{1,2}, (19|20)\d{2}_\d{2}\.\d{2}$/i, '');
  for (let at = trailingAt(stem); at !== undefined; at = trailingAt(stem)) stem = stem.slice(0, at);
  // A time written onto the name: a year or a date ("sales202401"), Unix seconds or milliseconds (Salesforce's "report1710512345678").
  stem = stem.replace(/(?<=\D)((19|20)\d{2}(\d{2}){0,2}|1\d{9}(\d{3})?)$/, '');
  // A download number after a version (World Bank's `API_NY.GDP.MKTP.CD_DS2_en_csv_v2_2875`): the next download has another.
  stem = stem.replace(/(?<=[_\-.]v\d{1,2})[_\-.]\d+$/i, '');
  return stem || named;
}

/**
 * The stems of files given together: fileStem's, but files whose names differ only by trailing numbers
 * (`invoices_101.csv`, `invoices_102.csv`) share the stem without them, as deliveries of one table.
 */
export function fileStems(names: string[], files: string[]): Map<string, string> {
  const loose = (name: string) => {
    const named = name.replace(/\.[^.]*$/, '').slice(datePrefix(name).length);
    return named.replace(/[_\-. ]+\d[\d_\-. ]*$/, '') || named;
  };
  const strict = names.map(fileStem);
  const stems = new Map<string, string>();
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  names.forEach((name, i) => {
    const siblings = names.filter((other, j) => j !== i && same(loose(other), loose(name)) && !same(strict[j]!, strict[i]!));
    stems.set(files[i]!, siblings.length ? loose(name) : strict[i]!);
  });
  return stems;
}

/**
 * Where a delivery's trailing token starts: a download id (checked first: a UUID's last group may read as a
 * part number), a date naming its month, or a number that is a period or part.
 */
function trailingAt(stem: string): number | undefined {
  const hash = trailingHashAt(stem);
  if (hash !== undefined) return hash;
  const named = TRAILING_NAMED_DATE.exec(stem);
  if (named) return named.index;
  const m = TRAILING.exec(stem);
  return m && isPeriodOrPart(m[1]!) ? m.index : undefined;
}

/**
 * A year, a year and month or day written whole (`2024`, `202401`, `20240115`), a month or day (`01`,
 * `7`), a time of day (`143000`), seconds or milliseconds since 1970 (`1700000000`), a period (`2023Q4`,
 * `2024M01`), or a part number (`00001`).
 */
function isPeriodOrPart(token: string): boolean {
  if (!/^\d+$/.test(token)) return true;
  return token.length <= 2 || token.startsWith('0') || /^(19|20)\d{2}(\d{2}){0,2}$/.test(token) || /^([01]\d|2[0-3])[0-5]\d[0-5]\d$/.test(token) || /^1\d{9}(\d{3})?$/.test(token);
}
