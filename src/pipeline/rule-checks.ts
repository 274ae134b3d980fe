import { sqlIdent as id, type Engine } from '../engine/duckdb.js';
import type { QualityCheck } from './cleaning.js';
import { missingCol, raw, type RowRule } from './row-rules.js';
import type { ColumnRun } from './column-runs.js';

/**
 * Past this many row rules, their failures are counted and shown in two statements over every rule
 * rather than a count per rule and a statement per failed one: a wide file's (two rules for each of
 * 1,143 columns) took 135 s so, a statement of 0.1–0.4 s for each of its hundreds of failed rules.
 */
export const MANY_RULES = 64;

export interface RuleChecks {
  dataset: string;
  /** The judged rows, and which of them can fail a rule (a reason, or a warn rule failed; not empty). */
  staged: string;
  failing: string;
  /** A row's record number, from its `_row`. */
  recordOf: (row: string) => string;
  rules: readonly RowRule[];
  runs: readonly ColumnRun[];
  /** The rows checked (the non-empty ones). */
  checked: number;
  /** Whether any row can fail a rule: with none (most files), every count is zero without reading the rows. */
  mayFail: boolean;
}

/** Each row rule's line of the quality report: the rows failing it, and the first three of them. */
export async function ruleChecks(engine: Engine, input: RuleChecks): Promise<QualityCheck[]> {
  const { rules, staged, failing, recordOf } = input;
  const value = (r: RowRule) => `coalesce(trim(${raw(r.column)}), CAST(${id(r.column)} AS VARCHAR))`;
  const line = (r: RowRule, failed: number, examples: QualityCheck['examples']): QualityCheck => ({ dataset: input.dataset, rule: r.rule, column: r.column, severity: r.severity, checked: input.checked, failed, examples });
  if (!input.mayFail) return rules.map((r) => line(r, 0, []));
  if (rules.length > MANY_RULES) {
    const failedRules = `unnest(${failedIndices(rules, input.runs)}) AS _i`;
    const counts = new Map((await engine.rows(`SELECT _i, count(*) AS n FROM (SELECT ${failedRules} FROM ${staged} WHERE ${failing}) WHERE _i IS NOT NULL GROUP BY _i`)).map((r) => [Number(r['_i']), Number(r['n'])]));
    const failed = [...counts.keys()].sort((a, b) => a - b);
    const examples = new Map<number, QualityCheck['examples']>();
    if (failed.length) {
      const of = (expr: (r: RowRule) => string) => `CASE _i ${failed.map((i) => `WHEN ${i} THEN ${expr(rules[i]!)}`).join(' ')} END`;
      const rows = await engine.rows(`
        WITH failed AS (SELECT *, ${failedRules} FROM ${staged} WHERE ${failing}),
        firsts AS (SELECT * FROM failed WHERE _i IS NOT NULL QUALIFY row_number() OVER (PARTITION BY _i ORDER BY _row) <= 3)
        SELECT _i, ${recordOf('_row')} AS record, ${of(value)} AS value, ${of((r) => r.detail)} AS detail FROM firsts ORDER BY _i, _row`);
      for (const { _i, ...example } of rows) examples.set(Number(_i), [...(examples.get(Number(_i)) ?? []), example as QualityCheck['examples'][number]]);
    }
    return rules.map((r, i) => line(r, counts.get(i) ?? 0, examples.get(i) ?? []));
  }
  const [ruleCounts] = rules.length ? await engine.rows(`SELECT ${rules.map((r, i) => `count(*) FILTER (WHERE ${r.fails}) AS ${id(`f${i}`)}`).join(', ')} FROM ${staged} WHERE ${failing}`) : [];
  const quality: QualityCheck[] = [];
  for (const [i, r] of rules.entries()) {
    const failed = Number(ruleCounts?.[`f${i}`] ?? 0);
    const examples = failed ? await engine.rows(`SELECT ${recordOf('_row')} AS record, ${value(r)} AS value, ${r.detail} AS detail FROM ${staged} WHERE ${failing} AND ${r.fails} ORDER BY _row LIMIT 3`) : [];
    quality.push(line(r, failed, examples as QualityCheck['examples']));
  }
  return quality;
}

/**
 * SQL: the indices (in `rules`) of the rules a row fails, as a list with NULLs. A run's rules (column-runs.ts)
 * are its columns' built-in rules, the same for each and in a row: the k-th rule of its j-th column is
 * rule start + j × K + k, K its rules per column. They are told by one lambda over the run's values.
 */
function failedIndices(rules: readonly RowRule[], runs: readonly ColumnRun[]): string {
  const inRun = new Set<RowRule>();
  const lists = runs.flatMap((run) => {
    const k = run.rules.length;
    const start = rules.findIndex((r) => r.column === run.columns[0]);
    const block = rules.slice(start, start + run.columns.length * k);
    // Built by rowRules so; were they not, each rule of the run is asked on its own.
    if (!k || start < 0 || block.length !== run.columns.length * k || block.some((r, n) => r.column !== run.columns[Math.floor(n / k)] || r.rule !== run.rules[n % k]!.rule)) return [];
    for (const r of block) inRun.add(r);
    const zip = `list_zip([${run.columns.map(missingCol).join(', ')}], [${run.columns.map(id).join(', ')}], [${run.columns.map(raw).join(', ')}])`;
    return [`flatten(list_transform(${zip}, lambda _we, _wi: [${run.rules.map((r, n) => `CASE WHEN ${r.fails} THEN ${start + n} + (_wi - 1) * ${k} END`).join(', ')}]))`];
  });
  const single = rules.flatMap((r, i) => (inRun.has(r) ? [] : [`CASE WHEN ${r.fails} THEN ${i} END`]));
  return `flatten([[${single.join(', ')}]${lists.map((l) => `, ${l}`).join('')}])`;
}
