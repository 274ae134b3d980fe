import { achats } from './achats.js';
import { clients } from './clients.js';
import type { DatasetSpec } from './types.js';

export type { ColumnSpec, ColumnType, DatasetSpec, RuleSpec, Severity } from './types.js';

/** In processing order: a dataset comes after the datasets it references. */
export const DATASETS: readonly DatasetSpec[] = [clients, achats];

/** The dataset a source file feeds, by name: `achats.csv`, `achats_2026-11-28.csv`, `Achats-export.CSV`. */
export function datasetForFile(fileName: string): DatasetSpec | undefined {
  const lower = fileName.toLowerCase();
  return DATASETS.find((d) => lower === `${d.name}.csv` || (lower.startsWith(d.name) && /^[_.\- ]/.test(lower.slice(d.name.length)) && lower.endsWith('.csv')));
}

/** Column names holding personal data in any dataset (they keep their names through silver and gold). */
export const PERSONAL_COLUMNS: ReadonlySet<string> = new Set(
  DATASETS.flatMap((d) => Object.entries(d.columns).filter(([, c]) => c.personal).map(([name]) => name)),
);
