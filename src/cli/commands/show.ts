import type { Config } from '../../config.js';
import { UserError } from '../../errors.js';
import { findKpi, kpiChangedSince } from '../../project/kpis.js';
import { openServingStore } from '../../serving/index.js';
import { rowsTable } from '../inspect.js';
import { DATALAKE } from '../../command-name.js';

export async function showKpi(config: Config, id: string, limit?: number, json = false): Promise<boolean> {
  const kpi = findKpi(config.project, id);
  const serving = openServingStore(config);
  try {
    const rows = await serving.read(kpi.table, limit !== undefined ? { limit } : {});
    if (!rows) return false;
    const published = await serving.lastPublish();
    // As the API's 409: rows published under other columns are not shown under the new declaration.
    const changed = kpiChangedSince(kpi, published?.columns?.[kpi.table]);
    if (changed) throw new UserError(changed, `run the pipeline (\`${DATALAKE} run\`) to publish it, then show it again`);
    // Which data the numbers come from, as the API says it in its X-Data-Version, X-Data-Committed-At and X-Data-Audit headers.
    const data = published?.data;
    if (json) {
      console.log(JSON.stringify({ kpi: kpi.id, ...(data ? { version: data.version, committedAt: data.committedAt, audit: data.audit } : {}), rows }, null, 2));
      return true;
    }
    console.log(`\n${kpi.title.fr} — ${kpi.description}`);
    console.log(rowsTable(rows, Object.keys(kpi.columns)));
    if (data) console.log(`version ${data.version} of the lake, committed ${data.committedAt}, audit ${data.audit === 'approved' ? `approved (it failed; committed anyway with \`${DATALAKE} publish --approve\`)` : data.audit}`);
    return true;
  } finally {
    await serving.close();
  }
}
