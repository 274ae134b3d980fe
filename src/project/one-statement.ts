import type { Engine } from '../engine/duckdb.js';
import { DefinitionError } from '../errors.js';
import type { Project } from './types.js';

/**
 * Refuses a model or KPI whose SQL holds more than one statement, before any of it runs: the SQL is
 * pasted into `CREATE VIEW ... AS`, `DESCRIBE` or `COPY (...)`, and a script run that way would execute
 * what follows the first `;` (a COPY writing a file, a DROP) during `check`, or fail `run` with a bare
 * syntax error. `where` names the file (and line) of a definition's SQL.
 */
export async function refuseManyStatements(engine: Pick<Engine, 'statementCount'>, project: Pick<Project, 'models' | 'kpis'>, where: (kind: 'model' | 'kpi', name: string) => string): Promise<void> {
  const texts = [...project.models.map((m) => ({ kind: 'model' as const, name: m.name, sql: m.sql })), ...project.kpis.map((k) => ({ kind: 'kpi' as const, name: k.id, sql: k.sql }))];
  for (const t of texts) {
    const count = await engine.statementCount(t.sql);
    if (count === undefined || count <= 1) continue;
    const what = t.kind === 'model' ? `model ${t.name}` : `KPI ${t.name}`;
    throw new DefinitionError(
      `${where(t.kind, t.name)}: the SQL of ${what} holds ${count} statements; it must be one SELECT`,
      `keep the SELECT and remove what follows its ";" (a model or KPI only reads: the lake writes its result)`,
    );
  }
}
