import { dayText, sqlIdent as id, sqlString as str } from '../engine/duckdb.js';
import { UserError } from '../errors.js';
import type { KpiTable, ServingStore } from '../serving/index.js';
import { timed, type RunContext, type StageResult } from './context.js';
import { goldKey, readGoldState } from './gold/index.js';

/**
 * Publish (the seed's export to MongoDB): every KPI of the project is read from gold and the whole
 * set replaces the serving store's in one atomic publish.
 */
export async function runPublish(ctx: RunContext, serving: ServingStore, options: { force?: boolean } = {}): Promise<StageResult> {
  return timed(async () => {
    const gold = await readGoldState(ctx.lake);
    if (!gold) throw new UserError('gold has not been built yet', 'run `npx datalake gold` (or `npx datalake run`) first');
    const last = await serving.lastPublish();
    if (!options.force && last?.runId === gold.runId) {
      return { stage: 'publish' as const, rowsIn: 0, rowsOut: 0, quarantined: 0, bytes: 0, details: { skipped: `the serving store already has the gold of run ${gold.runId}`, store: serving.description } };
    }
    const db = await ctx.db();
    const downloads = await ctx.workDir('publish-inputs');
    const tables: KpiTable[] = [];
    let bytes = 0;
    for (const kpi of ctx.config.project.kpis) {
      const info = await ctx.lake.head('gold', goldKey(kpi.table));
      if (!info) throw new UserError(`gold has no ${goldKey(kpi.table)}`, 'run `npx datalake gold` (or `npx datalake run`) first');
      bytes += info.size;
      const file = await ctx.lake.localPath('gold', goldKey(kpi.table), downloads);
      // The columns a client may filter on are indexed by stores that index (MongoDB).
      const filtered = new Set([...Object.values(kpi.filters), ...(kpi.range ? [kpi.range] : [])]);
      const columns = Object.entries(kpi.columns).map(([name, c]) => ({ name, type: c.type, ...(filtered.has(name) ? { filtered: true } : {}) }));
      const select = columns.map((c) => (c.type === 'date' ? `${dayText(c.name)} AS ${id(c.name)}` : id(c.name))).join(', ');
      tables.push({ table: kpi.table, columns, rows: await db.rows(`SELECT ${select} FROM read_parquet(${str(file)}, file_row_number = true) ORDER BY file_row_number`) });
    }
    ctx.progress.begin('publish', serving.description);
    // The serving store records the run that built this gold, so a later run can tell it is already published.
    const published = await serving.publish(gold.runId, tables);
    ctx.progress.end();
    const rows = tables.reduce((n, t) => n + t.rows.length, 0);
    return { stage: 'publish' as const, rowsIn: rows, rowsOut: rows, quarantined: 0, bytes, details: { tables: published.tables, store: serving.description } };
  });
}
