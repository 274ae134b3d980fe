import type { Config } from '../../config.js';
import { findKpi } from '../../project/kpis.js';
import { openServingStore } from '../../serving/index.js';
import { rowsTable } from '../inspect.js';

export async function showKpi(config: Config, id: string, limit?: number): Promise<boolean> {
  const kpi = findKpi(config.project, id);
  const serving = openServingStore(config);
  try {
    const rows = await serving.read(kpi.table, limit !== undefined ? { limit } : {});
    if (!rows) return false;
    console.log(`\n${kpi.title.fr} — ${kpi.description}`);
    console.log(rowsTable(rows, Object.keys(kpi.columns)));
    return true;
  } finally {
    await serving.close();
  }
}
