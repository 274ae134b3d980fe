/** How a source column is typed in silver. Values are trimmed; an empty string counts as missing. */
export type ColumnType = 'integer' | 'text' | 'date' | 'timestamp' | 'decimal';

export interface ColumnSpec {
  type: ColumnType;
  description: string;
  /** A missing value sends the row to quarantine. */
  required?: boolean;
  /** Known spellings: a value matching one of them ignoring case and spacing is rewritten to it. Others are kept as given. */
  canonical?: readonly string[];
  /** Personal data: masked in every public API response. */
  personal?: boolean;
}

/**
 * What happens to a row that fails a rule: `error` sends it to quarantine with the rule as its reason,
 * `warn` keeps it and counts it in the quality report, `fatal` fails the run.
 */
export type Severity = 'error' | 'warn' | 'fatal';

/** A declared quality rule on one column, in addition to the built-in ones (required, type, unique key). */
export type RuleSpec =
  | { rule: 'positive'; column: string; severity: Severity }
  | { rule: 'maximum'; column: string; max: number; severity: Severity; /** Setting that overrides `max`. */ setting?: string }
  | { rule: 'allowed_values'; column: string; severity: Severity; /** Defaults to the column's canonical values. */ values?: readonly string[] }
  | { rule: 'date_range'; column: string; severity: Severity; notBefore: string; notInFuture: boolean };

export interface DatasetSpec {
  /** Dataset name; its source files are `<name>.csv` and `<name>_<anything>.csv` (e.g. `achats_2026-11-28.csv`). */
  name: string;
  description: string;
  /**
   * Unique key. Within one file the first row of a key wins and later rows with that key are quarantined
   * (or dropped when identical); across files, the row of the later file replaces the earlier one.
   */
  key: string;
  columns: Record<string, ColumnSpec>;
  /**
   * Referential integrity: a row whose column has no match in the other dataset's key waits in
   * quarantine until it has one (`error`, the default), is kept and counted (`warn`), or fails the run (`fatal`).
   */
  references?: { column: string; dataset: string; severity?: Severity };
  rules: readonly RuleSpec[];
  /** Silver is written in one folder per month of this column, so a new day's file rewrites only its months. */
  partitionBy?: { column: string; grain: 'month' };
}
