import { sqlIdent as id, sqlString as str } from '../engine/duckdb.js';
import { missingCol, raw, type ColumnRefs, type RowRule } from './row-rules.js';

/**
 * A wide file judged column by column is one statement of megabytes: Johns Hopkins' COVID-19 series,
 * a column per day (1,143 of them) over 289 rows, took 27 s in silver, nearly all of it DuckDB binding
 * and optimizing the SQL of each column (0.4 s of reading). Consecutive columns read alike (the same
 * type, spellings of missing and built-in rules) are judged as one list instead: each step is written
 * once, in a lambda applied to each value, and bound once. The values, verdicts and details are those
 * of the columns judged one by one, the same SQL (judging.ts builds both from one reading).
 */

/** The fewest consecutive columns judged as one list (a narrow file's columns are judged one by one). */
export const MIN_RUN = 16;

/**
 * The most rows a file may have for its runs to be read as lists. A lambda costs more a value than
 * the SQL of a column (5–10 µs more a row of 100 columns), where binding that SQL costs 7 ms a column
 * and a statement, whatever the rows: past this, a column's own SQL is the cheaper.
 */
export const LISTED_ROWS = 100_000;

/** The value a run's lambdas read: its raw text, or for a text column its trimmed text. */
export const VALUE = '_wv';

/** A column's reading of one value, as a run's lambdas write it: the same for each of its columns. */
export interface Reading {
  /** Its trimmed text, over VALUE (text columns only). */
  text?: string;
  /** Its typed value, over VALUE. */
  typed: string;
  /** Whether it is missing, over MISSING_REFS. */
  missing: string;
  /** Its built-in rules, over RULE_REFS. */
  rules: RowRule[];
}

export interface ColumnRun extends Reading {
  /** Its place among the runs: names its lists (`_wr<index>`, ...). */
  index: number;
  columns: string[];
}

const named = (name: string) => (before: string, after = '') => `(${str(before)} || ${name}${after ? ` || ${str(after)}` : ''})`;
/** A value as the lambda telling whether it is missing sees it: an element of list_zip(typed, raw, trimmed text). */
export const MISSING_REFS: ColumnRefs = { typed: '_we[1]', raw: '_we[2]', text: '_we[3]', missing: 'NULL', named: named('NULL') };
/** A value as the lambdas judging it see it: an element of list_zip(missing, typed, raw, column name). */
export const RULE_REFS: ColumnRefs = { missing: '_we[1]', typed: '_we[2]', raw: '_we[3]', text: 'NULL', named: named('_we[4]') };

/** The runs of MIN_RUN consecutive columns or more whose readings are the same SQL. */
export function columnRuns(names: readonly string[], reading: (column: string) => Reading): ColumnRun[] {
  if (names.length < MIN_RUN) return [];
  const keyOf = (r: Reading) => JSON.stringify([r.text, r.typed, r.missing, r.rules.map((x) => [x.rule, x.severity, x.codeSql, x.fails, x.detail])]);
  const readings = names.map((c) => ({ reading: reading(c), key: '' }));
  for (const r of readings) r.key = keyOf(r.reading);
  const runs: ColumnRun[] = [];
  let start = 0;
  for (let i = 1; i <= names.length; i++) {
    if (i < names.length && readings[i]!.key === readings[start]!.key) continue;
    if (i - start >= MIN_RUN) runs.push({ ...readings[start]!.reading, index: runs.length, columns: names.slice(start, i) });
    start = i;
  }
  return runs;
}

const list = (kind: 'r' | 'x' | 't' | 'm' | 'p', run: ColumnRun) => id(`_w${kind}${run.index}`);
const errors = (run: ColumnRun) => run.rules.filter((r) => r.severity === 'error');
const namesOf = (run: ColumnRun) => `[${run.columns.map(str).join(', ')}]`;

/** A run's values as lists (SQL): whether each is missing, its typed value, its raw text. */
interface Lists {
  m: string;
  t: string;
  r: string;
}
/** As the judging holds them; as the judged rows hold them, a column each. */
const judgedLists = (run: ColumnRun): Lists => ({ m: list('m', run), t: list('t', run), r: list('r', run) });
const rowLists = (run: ColumnRun): Lists => ({ m: `[${run.columns.map(missingCol).join(', ')}]`, t: `[${run.columns.map(id).join(', ')}]`, r: `[${run.columns.map(raw).join(', ')}]` });

/**
 * What each step of the judging (judging.ts) selects for the runs: their raw (`_wr`) and trimmed
 * (`_wx`) texts as lists, then the typed values (`_wt`), whether each is missing (`_wm`), each column
 * taken out of them by name, and the position of the first value failing a rule (`_wp`).
 */
export function runSteps(runs: readonly ColumnRun[]): { texts: string[]; typed: string[]; flagged: string[]; opened: string[] } {
  return {
    texts: runs.flatMap((r) => {
      const raws = `[${r.columns.map(raw).join(', ')}]`;
      return [`${raws} AS ${list('r', r)}`, ...(r.text ? [`list_transform(${raws}, lambda ${VALUE}: ${r.text}) AS ${list('x', r)}`] : [])];
    }),
    typed: runs.map((r) => `${r.text && r.typed === VALUE ? list('x', r) : `list_transform(${list(r.text ? 'x' : 'r', r)}, lambda ${VALUE}: ${r.typed})`} AS ${list('t', r)}`),
    flagged: runs.map((r) => `list_transform(list_zip(${list('t', r)}, ${list('r', r)}${r.text ? `, ${list('x', r)}` : ''}), lambda _we: ${r.missing}) AS ${list('m', r)}`),
    opened: runs.flatMap((r) => [
      ...r.columns.flatMap((c, i) => [`${list('t', r)}[${i + 1}] AS ${id(c)}`, `${list('m', r)}[${i + 1}] AS ${missingCol(c)}`]),
      ...(errors(r).length ? [`${firstFailing(r, judgedLists(r))} AS ${list('p', r)}`] : []),
    ]),
  };
}

/**
 * SQL: the position of a run's first value failing one of its rules, NULL when none does. Only the
 * lists its rules read are zipped: the raw texts cost most (a statement over 150,000 rows of 24 such
 * columns took 0.3 s more with them, and with each value's code as text).
 */
function firstFailing(run: ColumnRun, lists: Lists): string {
  const fails = errors(run).map((x) => x.fails);
  const withRaw = fails.some((f) => f.includes(RULE_REFS.raw));
  return `list_position(list_transform(list_zip(${lists.m}, ${lists.t}${withRaw ? `, ${lists.r}` : ''}), lambda _we: CASE ${fails.map((f) => `WHEN ${f} THEN true`).join(' ')} ELSE false END), true)`;
}

/** SQL: `said` of the first rule failed by a run's value at position `at` (see RULE_REFS). */
function failedAt(run: ColumnRun, lists: Lists, at: string, said: (r: RowRule) => string): string {
  return `list_transform([list_zip(${lists.m}, ${lists.t}, ${lists.r}, ${namesOf(run)})[${at}]], lambda _we: CASE ${errors(run).map((x) => `WHEN ${x.fails} THEN ${said(x)}`).join(' ')} END)[1]`;
}

/**
 * For the verdict (verdictExprs), the one WHEN of a rule's run: of the code, at the judging's `_wp`;
 * of the detail, over the row's columns (the staged rows, where only rows set aside read it).
 */
export function runVerdicts(runs: readonly ColumnRun[], listed: boolean): (rule: RowRule) => { index: number; code?: string; detail: string } | undefined {
  const runOf = new Map(runs.flatMap((run) => run.columns.map((c) => [c, run] as const)));
  const said = new Map<number, { index: number; code?: string; detail: string }>();
  return (rule) => {
    const run = runOf.get(rule.column);
    if (!run || !run.rules.some((r) => r.rule === rule.rule)) return undefined;
    if (!said.has(run.index)) said.set(run.index, runVerdict(run, listed));
    return said.get(run.index);
  };
}

/** The code's WHEN only where the judging read the run as lists (`listed`); the detail's always. */
function runVerdict(run: ColumnRun, listed: boolean): { index: number; code?: string; detail: string } {
  const at = firstFailing(run, rowLists(run));
  return {
    index: run.index,
    ...(listed ? { code: `WHEN ${list('p', run)} IS NOT NULL THEN ${failedAt(run, judgedLists(run), list('p', run), (x) => x.codeSql ?? str(x.code))}` } : {}),
    detail: `WHEN ${at} IS NOT NULL THEN ${failedAt(run, rowLists(run), at, (x) => x.detail)}`,
  };
}
