import type { Row } from '../engine/duckdb.js';
import type { KpiColumnType } from '../project/types.js';

export interface KpiTable {
  /** Table (collection) name, e.g. kpi_ca_par_pays. */
  table: string;
  /** `filtered`: a query filters on it (an index helps). */
  columns: { name: string; type: KpiColumnType; filtered?: boolean }[];
  /** Rows with JSON values: numbers, strings, dates as 'YYYY-MM-DD', null. */
  rows: Row[];
}

/** The lake version a publish comes from. */
export interface DataVersion {
  version: number;
  committedAt: string;
  audit: 'passed' | 'approved';
}

export interface PublishInfo {
  runId: string;
  /** The lake version published (absent for a publish from before versions). */
  data?: DataVersion;
  publishedAt: string;
  /** Rows per published table. */
  tables: Record<string, number>;
  /**
   * Per published table, its columns as `name:type`, in order: the API tells a KPI whose declaration
   * changed since this publish (absent for a publish made before they were recorded).
   */
  columns?: Record<string, string[]>;
}

/** The `columns` a publish of these tables records. */
export function publishedColumns(tables: readonly KpiTable[]): Record<string, string[]> {
  return Object.fromEntries(tables.map((t) => [t.table, t.columns.map((c) => `${c.name}:${c.type}`)]));
}

/** A condition on one column; columns come from the KPI declaration, never from the client. */
export interface Condition {
  column: string;
  op: '=' | '>=' | '<=';
  value: string | number;
}

export interface ReadOptions {
  where?: Condition[];
  limit?: number;
  offset?: number;
}

/**
 * Where the API reads KPIs from. `publish` replaces the whole KPI set atomically: a reader sees the
 * previous complete set or the new one, never an empty or partial table.
 */
export interface ServingStore {
  readonly description: string;
  publish(runId: string, tables: KpiTable[], data?: DataVersion): Promise<PublishInfo>;
  /** The rows of a published table in publish order, or undefined if it was never published. */
  read(table: string, options?: ReadOptions): Promise<Row[] | undefined>;
  lastPublish(): Promise<PublishInfo | undefined>;
  /** Changes whenever a publish lands, from this process or another; cheap enough to call per request. */
  version(): Promise<string | undefined>;
  close(): Promise<void>;
  /** Loads what the store needs and checks its settings, without connecting (a server calls it as it starts). */
  open?(): Promise<unknown>;
}
