import { achats } from './achats.js';
import { clients } from './clients.js';
import type { DatasetSpec } from './types.js';

export type { ColumnSpec, ColumnType, DatasetSpec } from './types.js';

/** In processing order: a dataset comes after the datasets it references. */
export const DATASETS: readonly DatasetSpec[] = [clients, achats];

export function datasetForFile(fileName: string): DatasetSpec | undefined {
  return DATASETS.find((d) => `${d.name}.csv` === fileName);
}
