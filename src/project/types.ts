/**
 * What a project declares, as the pipeline, the API and the dashboard use it (camelCase, defaults
 * filled in). The files a user writes are described in schema.ts; load.ts turns them into these.
 */

/** How a source column is typed in silver. Values are trimmed; an empty string counts as missing. */
export type ColumnType = 'integer' | 'number' | 'decimal' | 'date' | 'timestamp' | 'text' | 'boolean';

export interface ColumnSpec {
  type: ColumnType;
  description?: string;
  /** A missing value sends the row to quarantine. Key and partition columns are always required. */
  required: boolean;
  /** Known spellings: a value matching one of them ignoring case and spacing is rewritten to it. */
  allowed?: readonly string[];
  /** Personal data: masked for every caller without an admin key. */
  personal: boolean;
  /** strptime formats for a date or timestamp column; without, the usual ISO and day-first spellings. */
  format?: readonly string[];
  /** Digits after the decimal point of a `decimal` column. */
  scale?: number;
  /** This column's spellings of a missing value, instead of the dataset's (`[]`: only an empty field; `NA` for Namibia is a value). */
  nullValues?: readonly string[];
  /** Text written around the numbers of a numeric column (`$`, `€`, `%`, `kg`), taken off to read them. */
  unit?: string;
  /**
   * Flags statistics offices write after a figure (`flags`: Statistics Canada's `"20,799.0 r"` revised and `490.3E` use with
   * caution, Eurostat's `12.3 p`, the ONS's `385,614 [p]`): the number is read without its flag (number-flags.ts).
   */
  flags?: true;
  /** Other headers of the column in the files (`also`): an export that renamed it (`Created date (UTC)` for `Created (UTC)`). */
  also?: readonly string[];
  /**
   * The column's header spelled exactly as the files write it (`header`): matched before any other,
   * where two headers differ only by case, spaces or punctuation (`Email`, `EMAIL`) and fill two columns.
   */
  header?: string;
  /**
   * Its values may be written as Excel formulas of text (`excel_text`: `="0316769487"`, `=""`), as Goodreads'
   * and banks' exports write codes: read as the text inside the quotes, `=""` as missing (excel-text.ts).
   */
  excelText?: true;
  /**
   * Its numbers may carry a magnitude after them (`magnitudes`: `52.34K`, `1.23M`, `2.10B`, `1T`, as Investing.com and
   * Yahoo write volumes), read as thousands, millions, billions, trillions (number-reading.ts). A `number` column's only.
   */
  magnitudes?: true;
}

/**
 * What happens to a row that fails a rule: `error` sends it to quarantine with the rule as its reason,
 * `warn` keeps it and counts it in the quality report, `fatal` fails the run.
 */
export type Severity = 'error' | 'warn' | 'fatal';

/** A declared quality rule: on one column, or (not_empty, no_all_null_column) on the whole dataset. */
export type RuleSpec =
  | { rule: 'positive'; column: string; severity: Severity }
  | { rule: 'maximum'; column: string; max: number; severity: Severity; /** Setting that overrides `max`. */ setting?: string }
  | { rule: 'allowed_values'; column: string; severity: Severity; /** Defaults to the column's `allowed` values. */ values?: readonly string[] }
  | { rule: 'date_range'; column: string; severity: Severity; notBefore?: string; notInFuture: boolean }
  | { rule: 'not_empty'; severity: Severity }
  | { rule: 'no_all_null_column'; severity: Severity };

export type ColumnRule = Extract<RuleSpec, { column: string }>;
export type DatasetRule = Exclude<RuleSpec, { column: string }>;

/** Referential integrity: `column` must match `key` of another dataset. */
export interface ReferenceSpec {
  column: string;
  dataset: string;
  key: string;
  /** `error`: the row waits in quarantine until its reference arrives; `warn`: kept and counted; `fatal`: the run fails. */
  severity: Severity;
}

export type PartitionGrain = 'day' | 'month' | 'year';

/** How a dataset's numbers mark their decimals. */
export type DecimalSeparator = '.' | ',';

export interface DatasetSpec {
  name: string;
  description?: string;
  /** Case-insensitive file-name globs (`*` and `?`) of the dataset's source files. */
  files: readonly string[];
  delimiter: string;
  /**
   * Lines before the header (a title, an export's notes, Excel's `sep=;`), blank ones included: not
   * data. Absent when 0, so that a definition without it keeps its digest (silver is not rebuilt).
   */
  skipLines?: number;
  /**
   * The files have no header line (`header: false`): their fields are the declared columns in order, and
   * their first line (after `skipLines`) is a row. Absent when they have one, so that the digest stays.
   */
  headerless?: true;
  /**
   * The header is two lines (`header_rows: 2`, SurveyMonkey's questions, then their answers' labels): the
   * first is counted in `skipLines`, as a line before the header, and names the columns with the second
   * (datasetHeader). Absent for a header of one line, so that the digest stays.
   */
  headerRows?: 2;
  /** Rows repeating another of their file exactly are rows (`duplicates: keep`: a statement's two identical charges), not dropped; only without a key. */
  keepDuplicates?: true;
  /** The files' text encoding when not UTF-8 (absent: UTF-8, and the definition keeps its digest). */
  encoding?: 'windows-1252';
  /** `,`: numbers are written `1.234,56` (absent: `.`, with `12,5` read as 12.5 where it cannot be thousands). */
  decimalSeparator?: DecimalSeparator;
  /** A backslash: a quote inside a quoted value is written `\"` (MySQL; absent: `""`, the CSV standard). */
  escape?: '\\';
  /** `none`: values are never quoted, a `"` is a character like any other (IMDb's and many tab-separated exports). */
  quote?: 'none';
  /**
   * With `quote: none` and `escape: backslash`: text values are written as PostgreSQL's text format
   * (`COPY ... TO`) writes them, `\t` a tab, `\n` a line break, `\\` a backslash, and read back so.
   */
  backslashEscapes?: true;
  /**
   * Key columns (empty: no key). Within a file the first row of a key wins; across files the later
   * file's row replaces the earlier. Without a key, rows are appended and a new version of a file name
   * replaces the rows of its earlier versions.
   */
  key: readonly string[];
  columns: Record<string, ColumnSpec>;
  references: readonly ReferenceSpec[];
  /** Silver is written in one folder per day, month or year of this column. */
  partitionBy?: { column: string; grain: PartitionGrain };
  rules: readonly RuleSpec[];
  /**
   * A last row whose `column` reads as a total (`Total`, `Grand total`, `Gesamt`..., or one of `labels`), and the
   * rows without a label after it, are set aside in each file (`total_row:<column>`): a total, not a row. Absent
   * when not declared, so that the definition keeps its digest.
   */
  totalRow?: { column: string; labels?: readonly string[] };
  /** A file with columns the definition does not name: read without them (`ignore`, named in the summary) or refused. */
  onExtraColumns: 'ignore' | 'fail';
  /** A file without a required column: it alone waits in quarantine (`quarantine_file`), or the run is refused. */
  onMissingColumns: 'quarantine_file' | 'fail';
  /** Values read as missing (after trimming), besides the empty string. */
  nullValues: readonly string[];
  /**
   * How old its newest bronze file may get (its freshness SLA), in seconds: older than `warnAfter` it is
   * stale (`warn`), older than `errorAfter` late (`error`). Not part of how rows are read: changing it
   * rebuilds nothing.
   */
  freshness?: FreshnessSla;
}

export interface FreshnessSla {
  warnAfter?: number;
  errorAfter?: number;
}

export interface ModelTest {
  test: 'unique' | 'not_null' | 'accepted_values' | 'row_count_change';
  column?: string;
  values?: readonly string[];
  maxPct?: number;
}

/** A gold table: a SELECT over datasets and other models (models/<name>.sql, and optionally <name>.yml). */
export interface GoldModel {
  name: string;
  sql: string;
  description?: string;
  grain?: string;
  /** Built and stored per partition of this dataset, one shard each (the dataset must be partitioned). */
  partitionedBy?: string;
  tests: readonly ModelTest[];
  /** Datasets and models its SQL reads (models are built after those they read). */
  reads: readonly string[];
}

export interface Label {
  fr: string;
  en: string;
}

export type KpiColumnType = 'string' | 'integer' | 'number' | 'date';
export type ChartType = 'bar' | 'line' | 'pie' | 'table' | 'cards' | 'histogram';

export interface KpiColumn {
  type: KpiColumnType;
  label: Label;
  description?: string;
  unit?: string;
}

export interface Chart {
  type: ChartType;
  x?: string;
  y: readonly string[];
}

export interface Kpi {
  /** The file name: `kpis/ca_par_pays.yml` is `ca_par_pays`, served at /api/ca_par_pays. */
  id: string;
  /** Gold object (without .parquet) and serving-store table: `kpi_<id>`. */
  table: string;
  title: Label;
  description: string;
  sql: string;
  /** Output columns in order, with their types. */
  columns: Record<string, KpiColumn>;
  /** How the dashboard draws it; the first is its main chart. */
  charts: readonly Chart[];
  /** Query parameter → column, for equality filters. */
  filters: Record<string, string>;
  /** A date or sortable text column that `from` / `to` filter on. */
  range?: string;
}

export interface DashboardTab {
  id: string;
  title: Label;
  kpis: readonly string[];
}

export interface Project {
  /** The project folder (absolute). */
  dir: string;
  /** The example shipped with the package, used when no project is given or found. */
  builtIn: boolean;
  /** Short id: prefixes the buckets, the MongoDB database and the queues of a project other than the shop. */
  name: string;
  title: Label;
  /** In processing order: a dataset comes after those it references. */
  datasets: readonly DatasetSpec[];
  /** In build order: a model comes after those it reads. */
  models: readonly GoldModel[];
  kpis: readonly Kpi[];
  /** Declared dashboard tabs, or one per KPI. */
  tabs: readonly DashboardTab[];
  /** Whether `tabs` comes from datalake.yml. */
  tabsDeclared: boolean;
}

/** The name of the built-in example, which keeps the seed's bucket, database and queue names. */
export const SHOP = 'shop';
