import { sqlIdent as id, type Engine } from './duckdb.js';
import { footerStats } from './parquet-stats.js';

/** The widest range of values a bitmap covers: 2^28 bits, 32 MiB per thread. */
const BITMAP_MAX_RANGE = 2n ** 28n;
const INTEGER_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT']);

/**
 * Whether the non-null values of an integer column are all distinct, told by a bitmap of their range
 * (DuckDB's bitstring_agg) instead of grouping by value: at 10M keys about 0.2 s and a few MiB against
 * about 1 s and a hash table that outgrows the memory limit at 50M. Undefined when a bitmap cannot
 * tell (not an integer column, or values spread over more than 2^28): the caller groups instead. With
 * `files`, the relation's Parquet files, the bounds come from their footers instead of a first read.
 */
export async function distinctIntegers(engine: Engine, relation: string, column: string, where = 'true', files?: readonly string[]): Promise<{ values: number; distinct: boolean } | undefined> {
  const c = id(column);
  if (!(await isIntegerColumn(engine, relation, column))) return undefined;
  // The bounds as text: a BIGINT past 2^53 would not survive a JavaScript number.
  const footers = files && where === 'true' ? await footerStats(engine, files, column, true) : undefined;
  const range = footers
    ? { n: footers.values, lo: footers.min, hi: footers.max }
    : (await engine.rows(`SELECT CAST(min(${c}) AS VARCHAR) AS lo, CAST(max(${c}) AS VARCHAR) AS hi, count(${c}) AS n FROM ${relation} WHERE (${where}) AND ${c} IS NOT NULL`))[0]!;
  const values = Number(range['n']);
  if (values === 0) return { values, distinct: true };
  const lo = BigInt(range['lo'] as string | bigint);
  const hi = BigInt(range['hi'] as string | bigint);
  if (hi - lo + 1n > BITMAP_MAX_RANGE) return undefined;
  const [set] = await engine.rows(`SELECT bit_count(bitstring_agg(${c}, ${lo}, ${hi})) AS d FROM ${relation} WHERE (${where}) AND ${c} IS NOT NULL`);
  return { values, distinct: Number(set!['d']) === values };
}

/** Whether `column` of `relation` is of an integer type. */
export async function isIntegerColumn(engine: Engine, relation: string, column: string): Promise<boolean> {
  const [described] = await engine.columns(`SELECT ${id(column)} FROM ${relation}`);
  return described !== undefined && INTEGER_TYPES.has(described.type);
}

/** Text columns with at most this many values are numbered through their sorted list of values. */
const TEXT_MAX_VALUES = 64;

/**
 * Whether the rows' tuples of `columns` are all distinct, told by one bitmap over the tuples packed
 * into one integer: each column numbered from 0 (integers and dates from their minimum, booleans as
 * 0/1, a text column of at most 64 values by its place in the sorted list of them), the numbers
 * combined in mixed radix. A composite key such as (carrier, flight number, day) usually spans far
 * fewer than 2^28 tuples. Undefined when a bitmap cannot tell (another type, a null in a column,
 * too many text values, too wide a product of ranges): the caller groups instead.
 */
export async function distinctTuples(engine: Engine, relation: string, columns: readonly string[], where = 'true'): Promise<{ values: number; distinct: boolean } | undefined> {
  if (columns.length === 1) return distinctIntegers(engine, relation, columns[0]!, where);
  const described = await engine.columns(`SELECT ${columns.map(id).join(', ')} FROM ${relation}`);
  const kinds = described.map((d) => (INTEGER_TYPES.has(d.type) ? 'integer' : d.type === 'DATE' ? 'date' : d.type === 'BOOLEAN' ? 'boolean' : d.type === 'VARCHAR' ? 'text' : undefined));
  if (kinds.some((k) => k === undefined)) return undefined;
  // Integers and dates as numbers (a date as its day number); one pass for every column's bounds.
  const numeric = (c: string, kind: string | undefined) => (kind === 'date' ? `(${id(c)} - DATE '1970-01-01')` : kind === 'boolean' ? `CAST(${id(c)} AS INTEGER)` : id(c));
  const probes = columns.flatMap((c, i) =>
    kinds[i] === 'text'
      ? [`approx_count_distinct(${id(c)}) AS ${id(`k${i}`)}`]
      : [`CAST(min(${numeric(c, kinds[i])}) AS VARCHAR) AS ${id(`lo${i}`)}`, `CAST(max(${numeric(c, kinds[i])}) AS VARCHAR) AS ${id(`hi${i}`)}`],
  );
  const anyNull = columns.map((c) => `${id(c)} IS NULL`).join(' OR ');
  const [probe] = await engine.rows(`SELECT count(*) FILTER (WHERE NOT (${anyNull})) AS n, count(*) FILTER (WHERE ${anyNull}) AS nulls, ${probes.join(', ')} FROM ${relation} WHERE (${where})`);
  const values = Number(probe!['n']);
  if (Number(probe!['nulls']) > 0) return undefined;
  if (values === 0) return { values, distinct: true };
  const codes: { expr: string; size: bigint }[] = [];
  for (const [i, c] of columns.entries()) {
    if (kinds[i] === 'text') {
      if (Number(probe![`k${i}`]) > TEXT_MAX_VALUES * 2) return undefined; // an estimate: the exact list below decides
      const list = await engine.rows(`SELECT DISTINCT ${id(c)} AS v FROM ${relation} WHERE (${where}) ORDER BY v LIMIT ${TEXT_MAX_VALUES + 1}`);
      if (list.length > TEXT_MAX_VALUES) return undefined;
      const literal = `[${list.map((r) => `'${String(r['v']).replace(/'/g, "''")}'`).join(', ')}]`;
      codes.push({ expr: `(list_position(${literal}, ${id(c)}) - 1)`, size: BigInt(list.length) });
    } else {
      const lo = BigInt(probe![`lo${i}`] as string);
      const hi = BigInt(probe![`hi${i}`] as string);
      codes.push({ expr: `(${numeric(c, kinds[i])} - ${lo})`, size: hi - lo + 1n });
    }
  }
  const total = codes.reduce((p, c) => p * c.size, 1n);
  if (total > BITMAP_MAX_RANGE) return undefined;
  let stride = 1n;
  const terms: string[] = [];
  for (const c of codes) {
    terms.push(`CAST(${c.expr} AS BIGINT) * ${stride}`);
    stride *= c.size;
  }
  const [set] = await engine.rows(`SELECT bit_count(bitstring_agg(${terms.join(' + ')}, 0, ${total - 1n})) AS d FROM ${relation} WHERE (${where})`);
  return { values, distinct: Number(set!['d']) === values };
}

/**
 * Whether no two rows of `relation` share their `columns`: by a bitmap when one can tell
 * (distinctTuples), else by grouping (a text key of many values, a composite key too wide to pack).
 * For keys that are never NULL (silver's key columns are required): a single integer key's bitmap
 * ignores NULLs, where grouping counts two of them as a repeat.
 */
export async function keysDistinct(engine: Engine, relation: string, columns: readonly string[]): Promise<boolean> {
  const packed = await distinctTuples(engine, relation, columns);
  if (packed) return packed.distinct;
  const [repeat] = await engine.rows(`SELECT count(*) AS n FROM (SELECT 1 FROM ${relation} GROUP BY ${columns.map(id).join(', ')} HAVING count(*) > 1 LIMIT 1)`);
  return Number(repeat!['n']) === 0;
}
