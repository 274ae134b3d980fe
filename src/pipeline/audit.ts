import { parquetFiles, sqlIdent as id, sqlString as str } from '../engine/duckdb.js';
import type { AuditCheck } from '../lake/index.js';
import type { GoldModel, ModelTest } from '../project/types.js';
import type { RunContext } from './context.js';
import type { GoldState } from './gold/state.js';

/**
 * The audit of a version before it is committed: the tests each gold model declares
 * (`models/<name>.yml`: unique, not_null, accepted_values, row_count_change against the version it
 * replaces). A fatal quality rule needs no check here: it fails the run before anything is staged.
 */
export async function auditGold(ctx: RunContext, gold: GoldState, previous: GoldState | undefined): Promise<AuditCheck[]> {
  const checks: AuditCheck[] = [];
  const models = ctx.config.project.models.filter((m) => m.tests.length > 0 && gold.objects[m.name]);
  if (models.length === 0) return checks;
  const db = await ctx.db();
  const downloads = await ctx.workDir('audit-inputs');
  for (const model of models) {
    const files: string[] = [];
    for (const key of gold.objects[model.name]!) files.push(await ctx.lake.localPath('gold', key, downloads));
    const table = files.length ? parquetFiles(files) : `(SELECT * FROM (${model.sql}) WHERE false)`;
    for (const test of model.tests) checks.push(await runTest(db, model, test, table, gold.tables[model.name] ?? 0, previous?.tables[model.name]));
  }
  return checks;
}

async function runTest(db: Awaited<ReturnType<RunContext['db']>>, model: GoldModel, test: ModelTest, table: string, rows: number, before: number | undefined): Promise<AuditCheck> {
  const name = test.column ? `${test.test}(${test.column})` : test.test;
  const result = (passed: boolean, detail: string): AuditCheck => ({ table: model.name, check: name, passed, detail });
  const count = async (sql: string) => Number((await db.rows(sql))[0]!['n']);
  const c = test.column ? id(test.column) : '';
  switch (test.test) {
    case 'unique': {
      const n = await count(`SELECT count(*) AS n FROM (SELECT ${c} FROM ${table} WHERE ${c} IS NOT NULL GROUP BY ${c} HAVING count(*) > 1)`);
      return result(n === 0, n === 0 ? `${rows} rows, no ${test.column} twice` : `${n} values of ${test.column} appear more than once`);
    }
    case 'not_null': {
      const n = await count(`SELECT count(*) AS n FROM ${table} WHERE ${c} IS NULL`);
      return result(n === 0, n === 0 ? `no missing ${test.column}` : `${n} of ${rows} rows have no ${test.column}`);
    }
    case 'accepted_values': {
      const values = test.values!.map(str).join(', ');
      const n = await count(`SELECT count(*) AS n FROM ${table} WHERE ${c} IS NOT NULL AND CAST(${c} AS VARCHAR) NOT IN (${values})`);
      return result(n === 0, n === 0 ? `every ${test.column} is one of ${test.values!.join(', ')}` : `${n} rows have a ${test.column} outside ${test.values!.join(', ')}`);
    }
    case 'row_count_change': {
      if (before === undefined || before === 0) return result(true, `${rows} rows (no earlier version to compare with)`);
      const pct = (Math.abs(rows - before) / before) * 100;
      return result(pct <= test.maxPct!, `${before} → ${rows} rows (${pct.toFixed(1)} % change, at most ${test.maxPct} % allowed)`);
    }
  }
}
