import type { Config } from '../../config.js';
import { UserError } from '../../errors.js';
import { findKpi, kpiChangedSince } from '../../project/kpis.js';
import { openServingStore } from '../../serving/index.js';
import type { Kpi } from '../../project/types.js';
import { rowsTable } from '../inspect.js';
import { DATALAKE } from '../../command-name.js';

import type { Row } from '../../engine/duckdb.js';
type DataVersion = { version: number; committedAt: string; audit: string };

export async function showKpi(config: Config, id: string, limit?: number, json = false, at?: number): Promise<boolean> {
  const kpi = findKpi(config.project, id);
  const read = at === undefined ? await fromStore(config, kpi, limit) : await fromLake(config, kpi, at, limit);
  if (!read) return false;
  const { rows, data } = read;
  if (json) {
    console.log(JSON.stringify({ kpi: kpi.id, ...(data ? { version: data.version, committedAt: data.committedAt, audit: data.audit } : {}), rows }, null, 2));
    return true;
  }
  console.log(`\n${kpi.title.fr} — ${kpi.description}`);
  console.log(rowsTable(rows, Object.keys(kpi.columns)));
  if (data) console.log(`version ${data.version} of the lake, committed ${data.committedAt}, audit ${data.audit === 'approved' ? `approved (it failed; committed anyway with \`${DATALAKE} publish --approve\`)` : data.audit}`);
  return true;
}

/** The published rows, and which data they come from, as the API says it in its X-Data-Version, X-Data-Committed-At and X-Data-Audit headers. */
async function fromStore(config: Config, kpi: Kpi, limit?: number): Promise<{ rows: Row[]; data?: DataVersion } | undefined> {
  const serving = openServingStore(config);
  try {
    const rows = await serving.read(kpi.table, limit !== undefined ? { limit } : {});
    if (!rows) return undefined;
    const published = await serving.lastPublish();
    // As the API's 409: rows published under other columns are not shown under the new declaration.
    const changed = kpiChangedSince(kpi, published?.columns?.[kpi.table]);
    if (changed) throw new UserError(changed, `run the pipeline (\`${DATALAKE} run\`) to publish it, then show it again`);
    return { rows, ...(published?.data ? { data: published.data } : {}) };
  } finally {
    await serving.close();
  }
}

/** `--at N`: the rows as version N of the lake built them, read from its gold as the API's `?version=N` reads them. */
async function fromLake(config: Config, kpi: Kpi, version: number, limit?: number): Promise<{ rows: Row[]; data?: DataVersion }> {
  const [{ openObjectStore }, { LazyEngine }, { lakeReader }, { HttpError }] = await Promise.all([import('../../lake/index.js'), import('../../api/services.js'), import('../../api/lake-fallback.js'), import('../../api/http-errors.js')]);
  const engine = new LazyEngine(config);
  try {
    return await lakeReader(openObjectStore(config), engine, config.project)(kpi, limit !== undefined ? { limit } : {}, version);
  } catch (err) {
    // The API's refusals (no such version, a table built under other columns) are the user's to act on.
    if (err instanceof HttpError && err.statusCode < 500) throw new UserError(err.message.replace(/; the table as .* built it: GET \S+$| \(GET \/api\/versions lists them\)$/, ''), `\`${DATALAKE} history\` lists the versions kept`);
    throw err;
  } finally {
    await engine.close();
  }
}
