import { sqlString as str, type Engine } from '../engine/duckdb.js';

/**
 * Which columns of gold tables carry personal data under another name: `email AS contact`,
 * `lower(email) AS mail`, through CTEs and models reading models. Masking goes by column name, so
 * these names are masked in gold as the declared personal columns are.
 *
 * Read from DuckDB's parse trees (`json_serialize_sql`), by name and conservatively: an output column
 * is personal when its expression names a personal column, or a name another SELECT made personal;
 * a count of personal values is not (a number of customers is no one's data).
 */

/** Parses SQL as `SELECT json_serialize_sql(...)` gives it: the tree of its statements. */
export type ParseSql = (sql: string) => Promise<unknown>;

/** ParseSql with DuckDB's parser, on an engine (no data read). */
export function parserOn(engine: Pick<Engine, 'rows'>): ParseSql {
  return async (sql) => JSON.parse(String((await engine.rows(`SELECT json_serialize_sql(${str(sql)}) AS tree`))[0]!['tree'])) as unknown;
}

/** Functions whose result says how many values there are, not what they are. */
const COUNTS = new Set(['count', 'count_star', 'approx_count_distinct']);

/**
 * The names, lowercased, that the SELECT lists of `sqls` give to values derived from `personal`
 * (lowercased names), besides `personal` itself; followed until no new name appears, so that a model
 * reading another model's renamed column is seen whatever their order.
 */
export async function personalNames(sqls: readonly string[], personal: Iterable<string>, parse: ParseSql): Promise<Set<string>> {
  const tainted = new Set([...personal].map((n) => n.toLowerCase()));
  const trees = await Promise.all(sqls.map((sql) => parse(sql).catch(() => undefined)));
  for (let grew = true; grew; ) {
    grew = false;
    for (const tree of trees) {
      for (const name of outputsFrom(tree, tainted)) {
        if (!tainted.has(name)) {
          tainted.add(name);
          grew = true;
        }
      }
    }
  }
  return tainted;
}

/** The output names of every SELECT list in `tree` whose expression reads a tainted name. */
function outputsFrom(tree: unknown, tainted: ReadonlySet<string>): string[] {
  const out: string[] = [];
  visit(tree, (node) => {
    const list = node['select_list'];
    if (!Array.isArray(list)) return;
    for (const expr of list) {
      if (!isObject(expr) || isCount(expr)) continue;
      if (!refs(expr).some((r) => tainted.has(r))) continue;
      const alias = typeof expr['alias'] === 'string' ? expr['alias'] : '';
      const names = expr['column_names'];
      if (alias) out.push(alias.toLowerCase());
      else if (Array.isArray(names) && names.length) out.push(String(names[names.length - 1]).toLowerCase());
    }
    // `WITH x(a, b) AS (SELECT email, id ...)`: the CTE's names for its columns, by position.
    const ctes = (node['cte_map'] as { map?: { value?: { aliases?: unknown[]; query?: { node?: { select_list?: unknown[] } } } }[] } | undefined)?.map ?? [];
    for (const cte of ctes) {
      const aliases = cte.value?.aliases ?? [];
      const select = cte.value?.query?.node?.select_list ?? [];
      aliases.forEach((a, i) => {
        const expr = select[i];
        if (typeof a === 'string' && isObject(expr) && !isCount(expr) && refs(expr).some((r) => tainted.has(r))) out.push(a.toLowerCase());
      });
    }
  });
  return out;
}

/** The column names an expression reads (the last part of `t.email`), lowercased. */
function refs(expr: unknown): string[] {
  const found: string[] = [];
  visit(expr, (node) => {
    const names = node['column_names'];
    if (node['class'] === 'COLUMN_REF' && Array.isArray(names) && names.length) found.push(String(names[names.length - 1]).toLowerCase());
  });
  return found;
}

/** A count, as an aggregate or over a window. */
function isCount(expr: Record<string, unknown>): boolean {
  return typeof expr['function_name'] === 'string' && COUNTS.has(expr['function_name'].toLowerCase());
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function visit(value: unknown, see: (node: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) visit(v, see);
  } else if (isObject(value)) {
    see(value);
    for (const v of Object.values(value)) visit(v, see);
  }
}
