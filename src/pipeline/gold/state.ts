import { GOLD_STATE, readJson, writeJson, type ObjectStore } from '../../lake/index.js';

export const goldKey = (table: string) => `${table}.parquet`;
/** A partitioned table's object for one partition of its dataset: `fact_achats/month=2026-11.parquet`. */
export const goldPartitionKey = (table: string, partition: string) => `${table}/${partition || 'all'}.parquet`;

/** What gold was built from: when neither silver nor the definitions changed, gold is not rebuilt. */
export interface GoldState {
  format: 1;
  /** The run that built gold; the serving store records it when gold is published. */
  runId: string;
  silverRunId: string;
  /** Digest of every gold model's and KPI's SQL (and how their outputs are declared). */
  definitions: string;
  builtAt: string;
  tables: Record<string, number>;
  /** Every object of each table: one, or one per partition for a partitioned table. */
  objects: Record<string, string[]>;
  /**
   * Per partition of a partitioned table's dataset: a digest of the silver objects and definitions it
   * was built from, and its rows per table. A partition whose digest is unchanged is kept as it is.
   */
  partitions?: Record<string, { digest: string; rows: Record<string, number> }>;
}

export async function readGoldState(lake: ObjectStore): Promise<GoldState | undefined> {
  return readJson<GoldState>(lake, GOLD_STATE);
}

export function writeGoldState(lake: ObjectStore, state: GoldState): Promise<void> {
  return writeJson(lake, GOLD_STATE, state);
}

/** Whether every object gold's state names is there. */
export async function allPresent(lake: ObjectStore, state: GoldState): Promise<boolean> {
  // A gold built before its objects were listed is rebuilt once.
  if (!state.objects) return false;
  for (const key of Object.values(state.objects).flat()) if (!(await lake.head('gold', key))) return false;
  return true;
}
