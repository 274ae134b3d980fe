/** How a source column is typed in silver. Values are trimmed; an empty string counts as missing. */
export type ColumnType = 'integer' | 'text' | 'date' | 'timestamp' | 'decimal';

export interface ColumnSpec {
  type: ColumnType;
  description: string;
  /** A missing value sends the row to quarantine. */
  required?: boolean;
  /** Known spellings: a value matching one of them ignoring case and spacing is rewritten to it. Others are kept as given. */
  canonical?: readonly string[];
  /** The value must be > 0, else the row goes to quarantine. */
  positive?: boolean;
  /** Personal data: masked in every public API response. */
  personal?: boolean;
}

export interface DatasetSpec {
  /** Dataset name; its source file is `<name>.csv` and its silver object `<name>.parquet`. */
  name: string;
  description: string;
  /** Unique key: the first row of a key wins; later rows with the same key are quarantined (or dropped when identical). */
  key: string;
  columns: Record<string, ColumnSpec>;
  /** Referential integrity: rows whose column has no match in the other dataset's key are quarantined. */
  references?: { column: string; dataset: string };
}
