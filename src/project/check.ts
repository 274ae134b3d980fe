import { Engine, sqlIdent as id } from '../engine/duckdb.js';
import { DefinitionError, errorMessage, UserError } from '../errors.js';
import { sqlType } from '../pipeline/row-rules.js';
import { checkKpiOutput } from './kpi-output.js';
import { refuseManyStatements } from './one-statement.js';
import { parserOn, personalNames } from './personal-lineage.js';
import type { LoadedProject, SqlOrigin } from './load.js';
import { DATALAKE } from '../command-name.js';
import type { Project } from './types.js';

export interface CheckReport {
  project: string;
  dir: string;
  datasets: { name: string; columns: number; key: string[]; files: readonly string[] }[];
  models: { name: string; columns: { name: string; type: string }[] }[];
  kpis: { id: string; columns: number }[];
  /** What is valid but worth a look: a KPI serving personal data to every caller. */
  warnings: string[];
}

/**
 * `datalake check`: the project was loaded and validated file by file (load.ts); here every model's and
 * KPI's SQL is compiled against the declared schemas, without data: each dataset becomes an empty table
 * with its declared columns, each model a view built in order, each KPI is described and its columns
 * compared with its declaration. A typo in a column or a table is caught with the file and SQL line.
 */
export async function checkProject(project: LoadedProject): Promise<CheckReport> {
  const engine = await Engine.openTemporary({ threads: 1, memoryLimit: '256MB' }, 'check');
  try {
    const models = await compileAll(engine, project);
    // A KPI is served to every caller, unmasked: one returning personal values (`email`, or `email AS contact`) says so.
    const personal = project.datasets.flatMap((d) => Object.entries(d.columns).filter(([, c]) => c.personal).map(([n]) => n));
    const warnings: string[] = [];
    if (personal.length) {
      const names = await personalNames([...project.models.map((m) => m.sql), ...project.kpis.map((k) => k.sql)], personal, parserOn(engine));
      for (const k of project.kpis) {
        const exposed = Object.keys(k.columns).filter((c) => names.has(c.toLowerCase()));
        if (exposed.length) warnings.push(`${project.sqlOrigins.get(`kpi:${k.id}`)!.file}: KPI ${k.id} returns personal data (${exposed.join(', ')}, from columns declared personal): /api/${k.id} serves it to every caller, unmasked; aggregate it or leave it out`);
      }
    }
    return {
      project: project.name,
      dir: project.dir,
      datasets: project.datasets.map((d) => ({ name: d.name, columns: Object.keys(d.columns).length, key: [...d.key], files: d.files })),
      models,
      kpis: project.kpis.map((k) => ({ id: k.id, columns: Object.keys(k.columns).length })),
      warnings,
    };
  } finally {
    engine.close();
  }
}

/**
 * What a run checks before its long work when the models or KPIs changed since gold was built: their SQL
 * compiled as `check` compiles it, failing with `check`'s words (a DefinitionError: fixed by editing the
 * file, then a new run). A project not read from its files here (a test's) points at the files' first line.
 */
export async function checkDefinitions(project: Project): Promise<void> {
  const loaded: LoadedProject = 'sqlOrigins' in project && project.sqlOrigins instanceof Map ? (project as LoadedProject) : { ...project, sqlOrigins: firstLines(project), lines: new Map() };
  const engine = await Engine.openTemporary({ threads: 1, memoryLimit: '256MB' }, 'check');
  try {
    await compileAll(engine, loaded);
  } catch (err) {
    throw err instanceof UserError && !(err instanceof DefinitionError) ? new DefinitionError(err.message, err.hint) : err;
  } finally {
    engine.close();
  }
}

function firstLines(project: Project): Map<string, SqlOrigin> {
  const origins = new Map<string, SqlOrigin>();
  for (const m of project.models) origins.set(`model:${m.name}`, { file: `models/${m.name}.sql`, line: 1 });
  for (const k of project.kpis) origins.set(`kpi:${k.id}`, { file: `kpis/${k.id}.yml`, line: 1 });
  return origins;
}

/** Every model built as a view in order over empty datasets, every KPI described and compared with its declaration. */
async function compileAll(engine: Engine, project: LoadedProject): Promise<CheckReport['models']> {
  await refuseManyStatements(engine, project, (kind, name) => {
    const origin = project.sqlOrigins.get(`${kind}:${name}`)!;
    return kind === 'model' ? origin.file : `${origin.file}:${origin.line}`;
  });
  for (const d of project.datasets) {
    await engine.run(`CREATE TABLE ${id(d.name)} (${Object.entries(d.columns).map(([c, col]) => `${id(c)} ${sqlType(col)}`).join(', ')})`);
  }
  const models: CheckReport['models'] = [];
  for (const m of project.models) {
    const origin = project.sqlOrigins.get(`model:${m.name}`)!;
    await compile(engine, `CREATE VIEW ${id(m.name)} AS ${m.sql}`, origin, `model ${m.name}`, project, false, m.name);
    const columns = await engine.columns(`SELECT * FROM ${id(m.name)}`);
    const names = columns.map((c) => c.name);
    m.tests.forEach((t, i) => {
      if (t.column !== undefined && !names.includes(t.column)) {
        throw new UserError(`models/${m.name}.yml: tests[${i}]: ${t.test} names column "${t.column}", which the model does not return`, `its columns: ${names.join(', ')}`);
      }
    });
    models.push({ name: m.name, columns });
  }
  for (const k of project.kpis) {
    const origin = project.sqlOrigins.get(`kpi:${k.id}`)!;
    const columns = await compile(engine, k.sql, origin, `KPI ${k.id}`, project, true);
    checkKpiOutput(k, columns, (column) => project.lines.get(column ? `kpi:${k.id}:${column}` : `kpi:${k.id}`) ?? 1);
  }
  return models;
}

/** DuckDB's suggestion of a name of its own catalog (`pg_am`, `sqlite_master`...), no table of the project's. */
const DUCKDB_CATALOG = /"(pg_|sqlite_|duckdb_|information_schema\.|pg_catalog\.)/i;

/** Compiles one SQL text; a DuckDB error becomes one line at the file and line of the SQL. */
async function compile(engine: Engine, sql: string, origin: SqlOrigin, what: string, project: LoadedProject, describe = false, model?: string): Promise<{ name: string; type: string }[]> {
  try {
    if (describe) return await engine.columns(sql);
    await engine.run(sql);
    return [];
  } catch (err) {
    const message = errorMessage(err);
    const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
    // DuckDB: "Binder Error: Referenced column "nb" not found...", "Candidate bindings: ...", "LINE 3: ...".
    const first = lines[0]!.replace(/^[A-Za-z ]+ Error: /, '').replace(/!$/, '');
    const candidates = lines.find((l) => /^Candidate bindings/.test(l) || (/^Did you mean/.test(l) && !DUCKDB_CATALOG.test(l)));
    const at = /LINE (\d+):/.exec(message);
    // A model's SQL is compiled inside "CREATE VIEW ... AS", on the same first line.
    const line = origin.line + (at ? Number(at[1]) - 1 : 0);
    const tables = [...project.datasets.map((d) => d.name), ...project.models.map((m) => m.name)];
    // Its own view does not exist yet while it compiles: DuckDB says "does not exist", which sends the
    // user looking for a table rather than at the cycle (two models reading each other are told at load).
    const missing = /Table with name "?([^"\s!]+)"? does not exist/.exec(first)?.[1];
    if (model !== undefined && missing?.toLowerCase() === model.toLowerCase()) {
      throw new UserError(
        `${origin.file}:${line}: model ${model} reads itself (FROM ${missing}), a cycle of one: a model cannot read its own table`,
        `read the datasets and models it is made from: ${tables.filter((t) => t !== model).join(', ')}`,
      );
    }
    throw new UserError(
      `${origin.file}:${line}: the SQL of ${what} does not compile: ${first}${candidates ? ` (${candidates.replace(/:$/, '')})` : ''}`,
      `it can read the datasets and models: ${tables.join(', ')}; \`${DATALAKE} verify silver\` shows their columns`,
    );
  }
}
