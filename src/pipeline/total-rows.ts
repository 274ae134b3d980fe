import { sqlIdent as id, sqlString as str, type Engine } from '../engine/duckdb.js';
import type { DatasetSpec } from '../project/types.js';
import { missingCol, raw } from './row-rules.js';

/**
 * A total at the end of a file (`Total,,2361,34096.19`, `Grand total`, `Gesamt`) sums the rows above it:
 * loaded as a row, it would count them twice in every sum. A dataset declaring `total_row: <column>`
 * sets aside, in each file, the rows after its last row of data whose <column> reads as a total, and
 * the rows without a label after such a total (its figures alone, as Salesforce writes them under
 * `Grand Totals (400 records)`): quarantined as `total_row:<column>`, whatever else they fail. A row of
 * data so labelled among the others (`Total Gym`, or even `Total` followed by rows) stays a row.
 * init (infer-rows.ts) tells a total by the same spellings, so that what it leaves out of the typing
 * is what the run sets aside.
 */

/** A total's label, lowercased and trimmed: `total`, `grand totals (400 records)`, `total général:`, `gesamt`, `summe`, `合計`... */
export const TOTAL_LABEL = '((grand |sub)?totals?( général| general| geral)?|gesamt|insgesamt|summe|totaal|totale|suma|somme|合計|总计)( \\(.*\\))?:?';

/** SQL: whether text `value` reads as a total's label, or is one of `labels` (ignoring case and surrounding spaces). */
export function totalLabel(value: string, labels: readonly string[] = []): string {
  const own = labels.length ? ` OR lower(trim(${value})) IN (${labels.map((l) => str(l.trim().toLowerCase())).join(', ')})` : '';
  return `coalesce(regexp_full_match(lower(trim(${value})), ${str(TOTAL_LABEL)})${own}, false)`;
}

/**
 * SQL over a judged or staged row (cleaning.ts): its `total_row` column reads as a total. Its raw text
 * where the row keeps it (a staged row keeps it only with a reason: `Total` in a column of integers),
 * else its value.
 */
export function labelledTotal(spec: DatasetSpec): string | undefined {
  const t = spec.totalRow;
  return t && totalLabel(`coalesce(${raw(t.column)}, CAST(${id(t.column)} AS VARCHAR))`, t.labels);
}

/**
 * The verdict of a file's total rows, over its staged rows (`_row` their order, `_reason` what they
 * fail, `_m_<col>` whether a column is missing): a `WHEN ... THEN` of the code and one of the detail,
 * to put before the others. Undefined when the dataset declares none or the file has none: one pass
 * over the label column and the verdicts, only for a dataset declaring it.
 */
export async function totalRowVerdict(engine: Engine, staged: string, spec: DatasetSpec): Promise<{ reason: string; code: string; detail: string } | undefined> {
  const total = labelledTotal(spec);
  if (!total || !spec.totalRow) return undefined;
  const column = spec.totalRow.column;
  const bare = missingCol(column);
  // The first total after the last row of data: a row of no reason, labelled and not as a total.
  const [r] = await engine.rows(`WITH f AS (SELECT _row, ${total} AS total, _reason IS NULL AND NOT ${bare} AND NOT ${total} AS data FROM ${staged})
    SELECT min(_row) FILTER (WHERE total AND _row > (SELECT coalesce(max(_row), -1) FROM f WHERE data)) AS first FROM f`);
  const first = r?.['first'];
  if (first === null || first === undefined) return undefined;
  const reason = `total_row:${column}`;
  // (A row of empty fields stays one: dropped and counted.)
  const aside = `_row >= ${Number(first)} AND ((${bare} AND _reason IS DISTINCT FROM 'empty_row') OR ${total})`;
  const label = `coalesce(trim(${raw(column)}), CAST(${id(column)} AS VARCHAR))`;
  return {
    reason,
    code: `WHEN ${aside} THEN ${str(reason)}`,
    detail: `WHEN ${aside} THEN CASE WHEN ${bare} THEN ${str(`${column} is empty after a total at the end of the file: the total's figures, not a row (total_row)`)} ELSE ${str(`${column} "`)} || ${label} || ${str('" is a total at the end of the file, the sum of the rows above it: not a row (total_row)')} END`,
  };
}
