import { createHash } from 'node:crypto';
import { UserError } from '../../errors.js';
import type { ObjectStore } from '../../lake/index.js';
import type { Project } from '../../project/types.js';
import { DATALAKE } from '../../command-name.js';

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

/** The object of a table that is one object (a KPI, an unpartitioned model). */
export function tableObject(state: GoldState | undefined, table: string): string {
  const key = state?.objects[table]?.[0];
  if (!key) throw new UserError(`gold has no table ${table}`, `run the pipeline (\`${DATALAKE} run\`)`);
  return key;
}

/** The object of one partition of a partitioned table, if gold has it. */
export function partitionObject(state: GoldState | undefined, table: string, partition: string): string | undefined {
  return state?.objects[table]?.find((k) => k.startsWith(`${table}/${partition || 'all'}/`));
}

/** Whether every object gold's state names is there. */
export async function allPresent(lake: ObjectStore, state: GoldState): Promise<boolean> {
  // A gold built before its objects were listed is rebuilt once.
  if (!state.objects) return false;
  for (const key of Object.values(state.objects).flat()) if (!(await lake.head('gold', key))) return false;
  return true;
}

/**
 * Digest of the models' SQL alone: what a partition of a partitioned table depends on besides its
 * inputs (models may read each other, never a KPI), so that editing a KPI does not rebuild the fact.
 */
export function modelDefinitions(project: Project): string {
  return createHash('sha256').update(JSON.stringify(modelEntries(project))).digest('hex');
}

const modelEntries = (project: Project) => project.models.map((m) => [m.name, m.sql, m.partitionedBy ?? null]);

/** Digest of every gold model's and KPI's SQL (and how their outputs are declared): gold is rebuilt when it changes. */
export function goldDefinitions(project: Project): string {
  const { kpis } = project;
  return createHash('sha256')
    .update(JSON.stringify([...modelEntries(project), ...kpis.map((k) => [k.table, k.sql, k.columns])]))
    .digest('hex');
}
