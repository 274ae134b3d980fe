import type { SourceEncoding } from '../pipeline/csv-encoding.js';
import type { ColumnType, DecimalSeparator } from './types.js';

/**
 * What a CSV file looks like, inferred with DuckDB: its delimiter (DuckDB's sniffer), then each
 * column's type from every value of the file (not a sample), the spellings of missing values it uses
 * (`NA`, `n/a`...), and whether a column is unique and never empty (a candidate key). Used by
 * `init --from-csv` to write dataset definitions and by `check --sources` to describe new columns.
 */
export interface InferredColumn {
  /** As written in the header. */
  header: string;
  /** A snake_case name for the definition (`Flight Date` → `flight_date`). */
  name: string;
  type: ColumnType;
  /** A strptime format, for dates and timestamps not in ISO form. */
  format?: string;
  /** Another format that reads every value too (day and month both ≤ 12): worth a look. */
  ambiguousWith?: string;
  /** Digits only, but named as a code (`zip`, `fips`, `phone`): kept as text, so that leading zeros stay. */
  code?: true;
  /** Numbers with decimals, but named as an id (Citi Bike's station `5788.10`): kept as text, as written, no trailing zero dropped. */
  dottedId?: true;
  /** Text whose every value is a period that sorts as time does (`2014Q1`, `2024-01`): a series can be drawn over it. */
  period?: true;
  /** Its values written as Excel formulas of text (`="0316769487"`, `=""`): typed from the text inside the quotes, declared `excel_text: true`. */
  excelText?: true;
  /** The currency or percent sign written around its numbers (`$1,234.50`, `98%`), taken off to read them. */
  unit?: string;
  /** Numbers written with a magnitude after them (`52.34K`, `1.23M`: Investing.com's volumes), read as thousands, millions...: declared `magnitudes: true`. */
  magnitudes?: true;
  /** Flags a statistics office wrote after some of its figures (`E`, `r`, `[p]`: the first and last found), which the column reads without (`flags: true`). */
  flags?: string[];
  /** A text column whose values all but a few read as this type (the few: errors, or values of their own?). */
  /** `code`: the one value without digits the others are (`F`), which may mark a missing figure. */
  nearly?: { type: ColumnType; failing: number; code?: string };
  /** Digits after the point of a `decimal` column (numbers a double would round). */
  scale?: number;
  /** Numbers of more digits than a decimal of 18 holds: text, so that none is rounded. */
  tooPrecise?: true;
  /** This column's spellings of a missing value: statistics marks (`..`, `[x]`) beside its numbers or dates. */
  nullValues?: string[];
  /** No value missing. */
  complete: boolean;
  /** Every value distinct and none missing. */
  unique: boolean;
  /** Distinct values: empty fields not counted, spellings of a missing value ("NA") counted. */
  distinct: number;
  /** Rows with a value (neither empty nor a spelling of missing): a column filled in a third of the rows groups them badly. */
  filled?: number;
  /** Its most frequent value and the rows holding it: a column of one value but in a few rows (Zillow's `RegionType`) groups nothing. */
  top?: { value: string; rows: number };
  /** Of a `number` column, the most digits after a decimal separator of its values (99 with an exponent): a sum of them is rounded so. */
  decimals?: number;
  /** A run of nines (`-9999`) in `rows` rows, far from every other value: read as missing (infer-nines.ts). */
  nines?: { value: string; rows: number };
  /** Unique, but one value is zeros only (`000000000000000`, a reference a row has none of): no key. */
  placeholder?: boolean;
  /** Unique, but amounts (text of numbers with decimals, or named as money: `Amount`, `Price`): unique by chance, no key. */
  amounts?: true;
  /** Unique text of words, half its values at least holding a space between two letters (`The Crown: Season 1`): a title or a name, no code. */
  words?: true;
  /** Unique in each file, and repeating across them as a download of one export again repeats its rows (infer-redownload.ts): still a key, a later file's row replacing the earlier. */
  redownloaded?: true;
  /** Empty in every row, a year's column among years with figures (empty-years.ts): typed as they are. */
  emptyYear?: true;
  /** Text whose every value is an e-mail address: personal data, whatever its name (personal-names.ts). */
  emails?: true;
}

export interface InferredCsv {
  delimiter: string;
  /** Lines before the header (a title, notes, Excel's `sep=;`): see layout.ts. */
  skipLines: number;
  encoding: SourceEncoding;
  /** A backslash when the file writes a quote inside a quoted value `\"` (and reads better so). */
  escape?: '\\';
  /** `none` when the file's values are never quoted, a `"` being a character like any other (and reads better so). */
  quote?: 'none';
  /** Its first line is a row, not a header (`header: false`): its columns are named `column_<n>`. */
  headerless?: true;
  /** The name of the dataset (`orders`): what a row is one of, whose own id (`order_id`) is preferred as its key (key-names.ts). */
  dataset?: string;
  /** Two columns unique together, and never empty, in every file, where no column alone is: the key (infer-key.ts). */
  pairKey?: [string, string];
  /** A column of dates or times, unique, regularly spaced (infer-series.ts), where no other key is: a series' key, and its period (`week`). */
  series?: { column: string; period: string };
  /** With a key that repeats only where its whole row does (infer-key.ts): those rows, sent twice, dropped by the run as duplicates. */
  sentTwice?: number;
  /** Without a key: rows repeating another row of their file exactly (infer-key.ts), kept as rows (`duplicates: keep`). */
  repeatedRows?: number;
  /** With `quote: none`: its backslashes escape tabs, line breaks and themselves, as PostgreSQL's text format writes. */
  backslashEscapes?: true;
  /** No backslash and no doubled quote: read the same with either escape (a month of one table may join either). */
  plainQuotes: boolean;
  /** `,` when the file's numbers have decimal commas and none a decimal point (`1.234,56`), `.` when one has a decimal point; undefined when none tells. */
  decimalSeparator?: DecimalSeparator;
  /** A column is numbers only when commas group thousands (`2,067`, `13,436.29`): its definition declares `decimal_separator: "."`. */
  thousandsComma?: boolean;
  /** The first row, when it reads as a second header of descriptions (US Census downloads): the columns are typed from the rows under it. */
  describedBy?: string[];
  /** Under that row, a row of Qualtrics' import ids (`{"ImportId":"QID1"}`): left out of the typing too. */
  importIds?: true;
  /** The first row is SurveyMonkey's second header line, its answers' labels: the columns are named from both lines (`header_rows: 2`), and the run skips it. */
  headerRows?: 2;
  /** Lines of notes after the data (`Source: ...`, the first field alone): not typed; the run quarantines them. */
  footerRows?: number;
  /** Of footerRows, those filling every column (a total): no required column quarantines them. */
  wholeFooterRows?: number;
  /** Of footerRows, the totals with figures (`Total;;41350`): the dataset's `total_row` sets them aside. */
  totalRows?: number;
  /** The first one's label, as written (`Total`, `Grand total`). */
  totalLabel?: string;
  /** The columns a total's figures fill on the last row, without its label (Salesforce's): the others left empty. */
  sumRowFilled?: string[];
  /** Rows repeating the header (two exports joined): not typed; the run quarantines them. */
  repeatedHeaders?: number;
  /** An accounting report's totals, balances and section lines among the data (`Total for Checking`, `Opening Balance`): the columns are typed without them. */
  reportRows?: number;
  /** Rows of empty fields only (`,,`: blank rows a spreadsheet saved): no rows of the data, as the run drops them. */
  emptyRows?: number;
  /** The file as DuckDB reads it: itself, or a copy (UTF-8 for windows-1252, LF line ends for mixed ones) that lives as long as the engine that read it. */
  text: string;
  rows: number;
  columns: InferredColumn[];
  /** Spellings of a missing value found in columns that are otherwise numbers, dates or booleans. */
  nullValues: string[];
  /** Records of the file the reader could not split into the header's fields (silver quarantines them). */
  unreadRecords: number;
  /** Records holding a carriage return inside an unquoted field, which stops DuckDB's reader: left out of the typing (silver quarantines them; see bare-cr.ts). */
  bareCrLines?: number;
  /** Text columns where a spelling of nullValues is a value too (`NA` for Namibia): it would be read as missing there. */
  nullValuesInText: { value: string; columns: string[] }[];
  /** Spellings of a missing value found in text columns, as values (what nullValuesInText is made from). */
  textTokens: { value: string; column: string }[];
}

/** The spellings of a missing value that are values of text columns too, with those columns. */
export function valuesInText(nullValues: string[], textTokens: InferredCsv['textTokens']): InferredCsv['nullValuesInText'] {
  return nullValues.flatMap((value) => {
    const columns = [...new Set(textTokens.filter((t) => t.value === value).map((t) => t.column))];
    return columns.length ? [{ value, columns }] : [];
  });
}
