import fs from 'node:fs/promises';
import { dayText, sqlIdent as id, sqlString as str } from '../engine/duckdb.js';
import { currentVersion, requireVersion, type ObjectStore } from '../lake/index.js';
import { noLocalPaths } from '../errors.js';
import { tableObject } from '../pipeline/gold/index.js';
import { describeMissing, missingColumns } from '../pipeline/kpi-table.js';
import { readStates } from '../pipeline/states.js';
import type { Kpi, Project } from '../project/types.js';
import type { ReadOptions } from '../serving/index.js';
import { HttpError, notPublished } from './http-errors.js';
import { lakeCall } from './lake-call.js';
import type { LakeReader } from './kpi-service.js';
import type { LazyEngine } from './services.js';
import { DATALAKE } from '../command-name.js';

/**
 * A KPI read from the gold Parquet of a lake version, with the same filters and order as the serving
 * store: `?version=N` (time travel), and SERVE_FALLBACK=lake (the current version while the store is down).
 */
export function lakeReader(lake: ObjectStore, engine: LazyEngine, project: Project): LakeReader {
  return async (kpi: Kpi, options: ReadOptions, version?: number) => {
    const states = await lakeCall(async () => readStates(lake, project, version ?? (await currentVersion(lake))));
    if (!states.gold?.objects[kpi.table]) {
      // An earlier version, asked for, was built before the KPI existed: no run adds it there.
      if (version !== undefined && states.version && version < ((await lakeCall(() => currentVersion(lake)))?.version ?? 0)) throw notPublished(`KPI ${kpi.id} is not in version ${version} of the lake: it was added after that version was built; ask for a later version, or leave out "version" for the current one`);
      throw notPublished(`KPI ${kpi.id} is not in ${states.version ? `version ${states.version.version} of the lake` : 'the lake yet'}: run the pipeline (\`${DATALAKE} run\`)`);
    }
    const file = await lakeCall(async () => {
      try {
        return await lake.localPath('gold', tableObject(states.gold!, kpi.table), engine.scratchDir);
      } catch (err) {
        // `datalake vacuum` deleted the version between reading its record and its table: not kept any more.
        if (version !== undefined) await requireVersion(lake, version);
        throw err;
      }
    });
    try {
      const columns = Object.entries(kpi.columns);
      // Dates compare and come out as 'YYYY-MM-DD' text, as in the serving store.
      const expr = (name: string) => (kpi.columns[name]?.type === 'date' ? dayText(name) : id(name));
      const where = (options.where ?? []).map((c) => `${expr(c.column)} ${c.op} ${typeof c.value === 'number' ? c.value : str(c.value)}`);
      const sql = `SELECT ${columns.map(([name]) => `${expr(name)} AS ${id(name)}`).join(', ')}
        FROM read_parquet(${str(file)}, file_row_number = true)
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY file_row_number
        ${options.limit !== undefined ? `LIMIT ${Math.floor(options.limit)}` : ''} ${options.offset ? `OFFSET ${Math.floor(options.offset)}` : ''}`;
      let rows;
      const db = await engine.db();
      try {
        rows = await db.rows(sql);
      } catch (err) {
        // An older version's table may lack a column the KPI declares now (renamed or removed since): named, not DuckDB's binder error.
        const which = states.version ? `version ${states.version.version}` : 'the lake';
        const { missing, has } = await missingColumns(db, kpi, file).catch(() => ({ missing: [], has: [] }));
        const built = states.version ? `version ${states.version.restores ?? states.version.version}` : 'the lake';
        const why = missing.length ? describeMissing(kpi, built, missing, has) : noLocalPaths((err as Error).message.split('\n')[0]!);
        // The table itself stays readable, as built: the explorer reads any object of a kept version.
        const asBuilt = `; the table as ${built} built it: GET /api/lake/gold/download?key=${encodeURIComponent(tableObject(states.gold!, kpi.table))}`;
        throw new HttpError(409, `KPI ${kpi.id} of ${which} cannot be read with its current declaration: ${why}${asBuilt}`, {}, 'version_incompatible');
      }
      const v = states.version;
      return { rows, ...(v ? { data: { version: v.version, committedAt: v.committedAt, audit: v.audit } } : {}) };
    } finally {
      if (file.startsWith(engine.scratchDir)) await fs.rm(file, { force: true });
    }
  };
}
