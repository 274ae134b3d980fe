import { z } from 'zod';
import { loadDefinitionFolder } from '../registry/load-folder.js';

/**
 * A gold table other than a KPI (dimension or fact), built from the silver datasets, which the SQL
 * reads as the views `clients` and `achats`. KPIs then read these tables by name.
 */
export const GoldTableSchema = z.object({
  description: z.string().min(1),
  grain: z.string().min(1),
  sql: z.string().min(1),
  /**
   * A silver dataset with partitions (achats: by month) whose rows this table maps one by one: it is
   * built and stored per partition (`fact_achats/month=2026-11.parquet`), each partition a shard that
   * workers build in parallel, reading only that partition of the dataset.
   */
  partitionedBy: z.string().min(1).optional(),
});
export type GoldTableDefinition = z.infer<typeof GoldTableSchema>;
export interface GoldTable extends GoldTableDefinition {
  name: string;
}

export function defineGoldTable(def: GoldTableDefinition): GoldTableDefinition {
  return def;
}

export async function loadGoldTables(): Promise<GoldTable[]> {
  const defs = await loadDefinitionFolder(new URL('./models/', import.meta.url), GoldTableSchema, 'gold table');
  return [...defs].map(([name, def]) => ({ name, ...def }));
}
