import pMap from 'p-map';
import { UserError } from '../errors.js';
import { OBJECTS_AT_ONCE } from '../lake/index.js';
import type { KpiTable, ServingStore } from '../serving/index.js';
import { timed, type RunContext, type StageResult } from './context.js';
import { tableObject } from './gold/index.js';
import { kpiSelect, kpiTableProblem } from './kpi-table.js';
import { readStates } from './states.js';
import { DATALAKE } from '../command-name.js';

/**
 * Publish (the seed's export to MongoDB): every KPI of the lake's current version is read from its gold
 * and the whole set replaces the serving store's in one atomic publish, which records the version: the
 * store shows what the lake shows, and says which version that is.
 */
export async function runPublish(ctx: RunContext, serving: ServingStore, options: { force?: boolean } = {}): Promise<StageResult> {
  return timed(async () => {
    const { gold, version } = await readStates(ctx.lake, ctx.config.project);
    if (!gold) throw new UserError('gold has not been built yet', `run \`${DATALAKE} gold\` (or \`${DATALAKE} run\`) first`);
    const last = await serving.lastPublish();
    // A run that lost the lake (its lock taken over while it ran) must not put an older version back.
    if (version && last?.data && last.data.version > version.version) {
      throw new UserError(`the serving store already shows version ${last.data.version}, newer than version ${version.version}`, 'another run published after this one started: nothing to do');
    }
    if (!options.force && last?.runId === gold.runId && last.data?.version === version?.version) {
      const which = version ? `version ${version.version} (gold of run ${gold.runId})` : `the gold of run ${gold.runId}`;
      return { stage: 'publish' as const, rowsIn: 0, rowsOut: 0, quarantined: 0, bytes: 0, details: { skipped: `the serving store already has ${which}`, store: serving.description } };
    }
    const db = await ctx.db();
    const downloads = await ctx.workDir('publish-inputs');
    const tables: KpiTable[] = [];
    let bytes = 0;
    const kpis = ctx.config.project.kpis;
    // A version built before a KPI was added (a rollback to it, a KPI file added without a gold run).
    const which = version ? `version ${version.version} of the lake` : 'the lake';
    const absent = kpis.filter((kpi) => !gold.objects[kpi.table]?.[0]).map((kpi) => kpi.id);
    if (absent.length) {
      throw new UserError(
        `${which} has no gold table for KPI ${absent.join(', ')}: ${absent.map((k) => `kpis/${k}.yml`).join(', ')} ${absent.length > 1 ? 'are' : 'is'} newer than the data it holds; nothing was published`,
        `build the KPIs as declared now from that data with \`${DATALAKE} gold\`, then \`${DATALAKE} publish\``,
      );
    }
    const files = await pMap(
      kpis,
      async (kpi) => {
        const key = tableObject(gold, kpi.table);
        const info = await ctx.lake.head('gold', key);
        if (!info) throw new UserError(`gold has no ${key}`, `run \`${DATALAKE} gold --full-refresh\` (or \`${DATALAKE} run --full-refresh\`)`);
        bytes += info.size;
        return ctx.lake.localPath('gold', key, downloads);
      },
      { concurrency: OBJECTS_AT_ONCE },
    );
    for (const [i, kpi] of kpis.entries()) {
      const file = files[i]!;
      // The columns a client may filter on are indexed by stores that index (MongoDB).
      const filtered = new Set([...Object.values(kpi.filters), ...(kpi.range ? [kpi.range] : [])]);
      const columns = Object.entries(kpi.columns).map(([name, c]) => ({ name, type: c.type, ...(filtered.has(name) ? { filtered: true } : {}) }));
      const rows = await db.rows(kpiSelect(kpi, file)).catch(async (err: unknown) => {
        // A column renamed since the version was built: said as such, not as DuckDB's binder error.
        const problem = await kpiTableProblem(db, kpi, file, version ? `version ${version.restores ?? version.version}` : 'the lake');
        throw problem ? new UserError(`cannot publish ${which}: KPI ${kpi.id}: ${problem}`, `build the KPIs as declared now from that data with \`${DATALAKE} gold\`, then \`${DATALAKE} publish\``) : err;
      });
      tables.push({ table: kpi.table, columns, rows });
    }
    ctx.progress.begin('publish', serving.description);
    // The serving store records the version and the run that built its gold, so a later run can tell it is already published.
    const published = await serving.publish(gold.runId, tables, version ? { version: version.version, committedAt: version.committedAt, audit: version.audit } : undefined);
    ctx.progress.end();
    const rows = tables.reduce((n, t) => n + t.rows.length, 0);
    return { stage: 'publish' as const, rowsIn: rows, rowsOut: rows, quarantined: 0, bytes, details: { tables: published.tables, store: serving.description, ...(version ? { version: version.version } : {}) } };
  });
}
