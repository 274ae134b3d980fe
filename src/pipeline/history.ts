import type { Engine } from '../engine/duckdb.js';
import { parquetFiles, sqlIdent as id } from '../engine/duckdb.js';
import { listVersions, localPaths, readVersion, requireVersion, type LakeVersion, type ObjectStore } from '../lake/index.js';
import type { Project } from '../project/types.js';

export interface HistoryEntry {
  version: number;
  runId: string;
  committedAt: string;
  audit: LakeVersion['audit'];
  restores?: number;
  /** Tables whose objects differ from the version before, with their rows then and now. */
  changed: { table: string; rows: number; before: number | null }[];
}

/** The versions, newest first, each with the tables it changed. */
export async function lakeHistory(lake: ObjectStore, limit = Infinity): Promise<HistoryEntry[]> {
  const versions = (await listVersions(lake)).reverse().slice(0, limit + 1);
  const records = new Map<number, LakeVersion>();
  for (const v of versions) {
    const r = await readVersion(lake, v);
    if (r) records.set(v, r);
  }
  return versions.slice(0, limit).flatMap((v) => {
    const r = records.get(v);
    if (!r) return [];
    const before = r.parent !== null ? records.get(r.parent) : undefined;
    const changed = Object.entries(r.tables)
      .filter(([t, now]) => JSON.stringify(before?.tables[t]?.objects) !== JSON.stringify(now.objects))
      .map(([t, now]) => ({ table: t, rows: now.rows, before: before?.tables[t]?.rows ?? null }));
    for (const t of Object.keys(before?.tables ?? {})) if (!(t in r.tables)) changed.push({ table: t, rows: 0, before: before!.tables[t]!.rows });
    return [{ version: r.version, runId: r.runId, committedAt: r.committedAt, audit: r.audit, ...(r.restores ? { restores: r.restores } : {}), changed }];
  });
}

export interface TableDiff {
  table: string;
  /** Rows only in the second version, only in the first, and (tables with a key) keys in both whose row differs. */
  added: number;
  removed: number;
  changed: number;
  key?: string[];
  /** Columns of the second version only, and of the first only: a definition changed in between (rows compare on the others). */
  columnsAdded?: string[];
  columnsRemoved?: string[];
}

export interface KpiDiff {
  kpi: string;
  /** Rows of the first version that are not in the second, and the reverse (at most 20 each). */
  before: Record<string, unknown>[];
  after: Record<string, unknown>[];
}

/**
 * What changed between two versions: per silver dataset and gold table, rows added, removed and
 * changed (by key where the dataset has one); per KPI, the rows whose values differ.
 */
export async function diffVersions(lake: ObjectStore, project: Project, db: Engine, scratch: string, v1: number, v2: number): Promise<{ tables: TableDiff[]; kpis: KpiDiff[] }> {
  const [a, b] = [await requireVersion(lake, v1), await requireVersion(lake, v2)];
  const tables: TableDiff[] = [];
  const kpis: KpiDiff[] = [];
  const relation = async (t: { bucket: 'bronze' | 'silver' | 'gold' | 'sources' | 'runs'; objects: string[] } | undefined) => {
    if (!t || t.objects.length === 0) return undefined;
    return parquetFiles(await localPaths(lake, t.bucket, t.objects, scratch));
  };
  const names = [...new Set([...Object.keys(a.tables), ...Object.keys(b.tables)])].filter((t) => (t.startsWith('silver/') && !t.startsWith('silver/quarantine/')) || t.startsWith('gold/')).sort();
  for (const name of names) {
    const [ta, tb] = [a.tables[name], b.tables[name]];
    if (JSON.stringify(ta?.objects) === JSON.stringify(tb?.objects)) continue;
    const [ra, rb] = [await relation(ta), await relation(tb)];
    const empty = async (other: string) => `(SELECT * FROM ${other} WHERE false)`;
    const left = ra ?? (rb ? await empty(rb) : undefined);
    const right = rb ?? (ra ? await empty(ra) : undefined);
    if (!left || !right) continue;
    // Compared on the columns both versions have (a definition may have changed in between).
    const names = async (rel: string) => (await db.columns(`SELECT * FROM ${rel}`)).map((c) => c.name);
    const [colsA, colsB] = [await names(left), await names(right)];
    const shared = colsA.filter((c) => colsB.includes(c)).map(id).join(', ');
    const columnsAdded = colsB.filter((c) => !colsA.includes(c));
    const columnsRemoved = colsA.filter((c) => !colsB.includes(c));
    const columns = { ...(columnsAdded.length ? { columnsAdded } : {}), ...(columnsRemoved.length ? { columnsRemoved } : {}) };
    if (!shared) {
      tables.push({ table: name, added: 0, removed: 0, changed: 0, ...columns });
      continue;
    }
    const onlyA = `(SELECT ${shared} FROM ${left} EXCEPT ALL SELECT ${shared} FROM ${right})`;
    const onlyB = `(SELECT ${shared} FROM ${right} EXCEPT ALL SELECT ${shared} FROM ${left})`;
    const dataset = name.startsWith('silver/') ? project.datasets.find((d) => d.name === name.slice('silver/'.length)) : undefined;
    const key = dataset?.key.length ? [...dataset.key] : undefined;
    const count = async (sql: string) => Number((await db.rows(`SELECT count(*) AS n FROM ${sql}`))[0]!['n']);
    const [inA, inB] = [await count(onlyA), await count(onlyB)];
    // Rebuilt with the same rows and columns: no change.
    if (inA === 0 && inB === 0 && !columnsAdded.length && !columnsRemoved.length) continue;
    if (key) {
      const k = key.map(id).join(', ');
      const changed = await count(`(SELECT ${k} FROM ${onlyA} INTERSECT SELECT ${k} FROM ${onlyB})`);
      tables.push({ table: name, added: inB - changed, removed: inA - changed, changed, key, ...columns });
    } else {
      tables.push({ table: name, added: inB, removed: inA, changed: 0, ...columns });
    }
    const kpi = project.kpis.find((x) => `gold/${x.table}` === name);
    if (kpi) {
      const rows = async (sql: string) => (await db.rows(`SELECT * FROM ${sql} LIMIT 20`)) as Record<string, unknown>[];
      const [before, after] = [await rows(onlyA), await rows(onlyB)];
      // Only its columns changed: nothing to list (the table line says which).
      if (before.length || after.length) kpis.push({ kpi: kpi.id, before, after });
    }
  }
  return { tables, kpis };
}
