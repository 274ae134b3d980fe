import { achats } from './achats.js';
import { clients } from './clients.js';
import type { DatasetSpec } from './types.js';

export type { ColumnSpec, ColumnType, DatasetSpec, RuleSpec, Severity } from './types.js';

/** In processing order: a dataset comes after the datasets it references. */
export const DATASETS: readonly DatasetSpec[] = [clients, achats];

export function datasetForFile(fileName: string): DatasetSpec | undefined {
  return DATASETS.find((d) => `${d.name}.csv` === fileName);
}

/** Column names holding personal data in any dataset (they keep their names through silver and gold). */
export const PERSONAL_COLUMNS: ReadonlySet<string> = new Set(
  DATASETS.flatMap((d) => Object.entries(d.columns).filter(([, c]) => c.personal).map(([name]) => name)),
);
