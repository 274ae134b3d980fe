import { sqlIdent as id, type Engine } from '../engine/duckdb.js';
import { textReader } from './infer-sql.js';
import type { InferredColumn, InferredCsv } from './inferred.js';
import { ID_LIKE, isRowNumber, keyOf } from './init-yaml.js';

/** A column that numbers the rows of something else: GTFS's `stop_sequence`, an order's line or item. */
const PART_LIKE = /(^|_)(seq|sequence|line|item|position|pos)($|_)/;
/** A column that tells which period a figure is of: a panel's year, Eurostat's `time_period`. */
const PERIOD_LIKE = /(^|_)(year|month|quarter|week|date|day|period)$/;

/**
 * Two columns that together are unique and never empty in every file of a dataset of which no column
 * alone is (Olist's `order_id` and `order_item_id`, GTFS's `trip_id` and `stop_sequence`, a panel's
 * country and year): its key, so that a corrected export replaces its rows rather than add them again.
 * One of them has an id-like name, the other too or one of a part or a period: two measures that happen
 * to be distinct together are no key. Read over every file's rows in one statement.
 */
export async function pairKeyOf(engine: Engine, csv: InferredCsv, parts: readonly InferredCsv[]): Promise<[string, string] | undefined> {
  if (csv.rows < 2 || keyOf(csv).length) return undefined;
  const keyLike = (c: InferredColumn) => c.complete && !isRowNumber(c) && c.type !== 'number' && c.type !== 'boolean' && c.type !== 'decimal';
  const ids = csv.columns.filter((c) => keyLike(c) && (c.type === 'integer' || c.type === 'text') && ID_LIKE.test(c.name)).slice(0, 6);
  const named = (pattern: RegExp) => csv.columns.filter((c) => keyLike(c) && !ids.includes(c) && pattern.test(c.name)).slice(0, 4);
  const withEach = (others: InferredColumn[]) => ids.flatMap((a) => others.map((b) => [a, b] as [InferredColumn, InferredColumn]));
  // Tried in this order: an id and a part of it (the order's line), two ids, an id and a period.
  const pairs = [...withEach(named(PART_LIKE)), ...ids.flatMap((a, i) => ids.slice(i + 1).map((b) => [a, b] as [InferredColumn, InferredColumn])), ...withEach(named(PERIOD_LIKE))];
  if (!pairs.length) return undefined;
  const wanted = [...new Set(pairs.flat().map((c) => c.name))];
  const branches = parts.map((part) => {
    const index = (name: string) => part.columns.findIndex((c) => c.name === name);
    if (wanted.some((name) => index(name) < 0)) return undefined;
    return `SELECT ${wanted.map((name, k) => `nullif(trim(${id(`c${index(name)}`)}), '') AS ${id(`k${k}`)}`).join(', ')} FROM ${textReader(part.text, part.delimiter, part.columns.length, part.skipLines, part.quote ?? part.escape, part.headerless)}`;
  });
  // A file without one of them: not a key of every row.
  if (branches.some((b) => b === undefined)) return undefined;
  const k = (c: InferredColumn) => id(`k${wanted.indexOf(c.name)}`);
  const [row] = await engine.rows(`SELECT count(*) AS n, ${pairs.map(([a, b], i) => `count(DISTINCT (${k(a)}, ${k(b)})) FILTER (WHERE ${k(a)} IS NOT NULL AND ${k(b)} IS NOT NULL) AS ${id(`p${i}`)}`).join(', ')} FROM (${branches.join(' UNION ALL ')})`);
  const n = Number(row?.['n']);
  const found = pairs.findIndex((_, i) => Number(row?.[`p${i}`]) === n);
  return found < 0 ? undefined : [pairs[found]![0].name, pairs[found]![1].name];
}
