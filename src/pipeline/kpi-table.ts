import pMap from 'p-map';
import { dayText, sqlIdent as id, sqlString as str, type Engine } from '../engine/duckdb.js';
import { noLocalPaths } from '../errors.js';
import { OBJECTS_AT_ONCE, type LakeVersion } from '../lake/index.js';
import type { Kpi } from '../project/types.js';
import type { RunContext } from './context.js';
import { readStates } from './states.js';

/**
 * A KPI's gold table read as the KPI is declared now. A version keeps the tables it was built with,
 * so a version built before a KPI was added, or before one of its columns was renamed, cannot be
 * read with today's declaration: publish, a rollback and `?version=N` say which column is missing
 * rather than pass on DuckDB's binder error (which also quotes the file's local path).
 */

/** The SELECT publish runs: the declared columns, in order, dates as 'YYYY-MM-DD' text, rows in their written order. */
export function kpiSelect(kpi: Kpi, file: string): string {
  const select = Object.entries(kpi.columns).map(([name, c]) => (c.type === 'date' ? `${dayText(name)} AS ${id(name)}` : id(name))).join(', ');
  return `SELECT ${select} FROM read_parquet(${str(file)}, file_row_number = true) ORDER BY file_row_number`;
}

/** The declared columns a table lacks, and the columns it has. */
export async function missingColumns(db: Engine, kpi: Kpi, file: string): Promise<{ missing: string[]; has: string[] }> {
  const has = (await db.columns(`SELECT * FROM read_parquet(${str(file)})`)).map((c) => c.name);
  return { missing: Object.keys(kpi.columns).filter((name) => !has.includes(name)), has };
}

/** Said of a table that lacks declared columns: which, and what it has instead. */
export function describeMissing(kpi: Kpi, version: string, missing: string[], has: string[]): string {
  const s = missing.length > 1 ? 's' : '';
  return `its table ${kpi.table} has no column${s} ${missing.join(', ')}, which kpis/${kpi.id}.yml declares (renamed or removed since ${version} was built; the table has ${has.join(', ')})`;
}

/**
 * Why a KPI's table cannot be read as the KPI is declared now (a column missing, or publish's own
 * SELECT failing on it), or undefined when it can.
 */
export async function kpiTableProblem(db: Engine, kpi: Kpi, file: string, version: string): Promise<string | undefined> {
  const { missing, has } = await missingColumns(db, kpi, file);
  if (missing.length) return describeMissing(kpi, version, missing, has);
  try {
    await db.rows(`${kpiSelect(kpi, file)} LIMIT 0`);
    return undefined;
  } catch (err) {
    return `its table ${kpi.table} cannot be read as kpis/${kpi.id}.yml declares it: ${noLocalPaths((err as Error).message.split('\n')[0]!)}`;
  }
}

/** Why one KPI of a version cannot be published as declared now: its table is absent, or differs. */
export interface PublishProblem {
  kpi: string;
  /** The version has no table for the KPI (added since, or gold never built); otherwise its table differs from the declaration. */
  absent: boolean;
  text: string;
}

/**
 * What keeps a version's KPIs from being published as the project declares them now, one per KPI
 * (none: publishing it would succeed); `which` names the version in them (`version 3`). A rollback and
 * an approval ask it before they commit, so that the lake never moves to a version the serving store
 * cannot follow.
 */
export async function publishProblems(ctx: RunContext, version: LakeVersion, which: string): Promise<PublishProblem[]> {
  const { gold } = await readStates(ctx.lake, ctx.config.project, version);
  const problems: PublishProblem[] = [];
  const present = ctx.config.project.kpis.filter((kpi) => {
    if (gold?.objects[kpi.table]?.[0]) return true;
    const why = gold ? `kpis/${kpi.id}.yml is newer than the data it holds` : 'it was committed before gold was built';
    problems.push({ kpi: kpi.id, absent: true, text: `${which} has no gold table for KPI ${kpi.id} (${why})` });
    return false;
  });
  const downloads = await ctx.workDir('publish-check');
  const files = await pMap(present, (kpi) => ctx.lake.localPath('gold', gold!.objects[kpi.table]![0]!, downloads), { concurrency: OBJECTS_AT_ONCE });
  // One query at a time: the run's DuckDB is one connection.
  const db = await ctx.db();
  for (const [i, kpi] of present.entries()) {
    const problem = await kpiTableProblem(db, kpi, files[i]!, which);
    if (problem) problems.push({ kpi: kpi.id, absent: false, text: `KPI ${kpi.id}: ${problem}` });
  }
  return problems;
}
