import { sqlIdent as id } from '../engine/duckdb.js';
import { magnitudeWritten } from '../pipeline/number-reading.js';
import { countRows } from './infer-columns.js';
import { numberTests } from './infer-numbers.js';
import type { Rows } from './infer-sql.js';
import { CODE_NAME, ID_LIKE } from './infer-spellings.js';

type Aggregate = (selects: string[], from: Rows) => Promise<Record<string, unknown>>;

/** The counts of numberTests that type a column and tell the file's decimal separator. */
const COUNTS = ['int', 'num', 'numc', 'nump', 'dc', 'dd', 'dtt', 'dt', 'ctt', 'ct', 'pi', 'st', 'ints', 'zl', 'len'];

/**
 * Columns of numbers written with a magnitude after them (`52.34K`, `1.23M`, `2.10B`, `1T`: Investing.com's and
 * Yahoo's volumes, market caps), which typed as text: of `candidates`, the columns whose every value (but the
 * spellings of missing: `-`) is a number with `K`, `k`, `M`, `B` or `T` right after it or none, one at least with
 * one. And one of those written with decimals (`52.34K`), or two magnitudes among them (`950K`, `1M`): a column
 * of seats or flats (`12B`, `3K`) writes neither. Nor is a column named as an id or a code one, whatever its
 * values (`1.2M` among part numbers). Their counts in `row` are replaced by those of the numbers without the
 * magnitude, so that the column is typed, and the file's decimal separator told, from them; as `number`, not
 * `integer` (silver reads magnitudes in a number column only). `value(i)`: column i's value as read for its type.
 */
export async function magnitudeColumns(aggregate: Aggregate, candidates: number[], names: readonly string[], value: (i: number) => string, source: Rows, row: Record<string, unknown>): Promise<Set<number>> {
  const named = candidates.filter((i) => !ID_LIKE.test(names[i]!) && !CODE_NAME.test(names[i]!));
  // A count of values ending in a magnitude first, one cheap expression a column: the dozen tests below only for the columns
  // that have one (a survey's hundreds of text columns would otherwise take a statement per few dozen columns).
  const written = named.length ? await aggregate(named.map((i) => `${countRows(magnitudeWritten(value(i)))} AS ${id(`mag_${i}`)}`), source) : {};
  const columns = named.filter((i) => Number(written[`mag_${i}`]) > 0);
  if (!columns.length) return new Set();
  // The value without its magnitude, as silver takes it off (`value` is trimmed).
  const bare = (v: string) => `CASE WHEN ${magnitudeWritten(v)} THEN substr(${v}, 1, length(${v}) - 1) ELSE ${v} END`;
  const suffix = (v: string) => `CASE WHEN ${magnitudeWritten(v)} THEN upper(right(${v}, 1)) END`;
  const counts = await aggregate(
    columns.flatMap((i) => [
      `${countRows(magnitudeWritten(value(i)))} AS ${id(`mag_${i}`)}`,
      `${countRows(`regexp_matches(${value(i)}, '[0-9][.,][0-9]+[KkMBT]$')`)} AS ${id(`magd_${i}`)}`,
      `min(${suffix(value(i))}) AS ${id(`maglo_${i}`)}`,
      `max(${suffix(value(i))}) AS ${id(`maghi_${i}`)}`,
      ...numberTests(bare(value(i)), countRows).flatMap((t) => (COUNTS.includes(t.name) ? [`${t.sql} AS ${id(`${t.name}_${i}`)}`] : [])),
    ]),
    source,
  );
  const found = new Set<number>();
  for (const i of columns) {
    const n = (k: string) => Number(counts[`${k}_${i}`]);
    if (n('mag') === 0 || (n('magd') === 0 && counts[`maglo_${i}`] === counts[`maghi_${i}`])) continue;
    if (['num', 'numc', 'nump'].every((k) => n(k) !== 0)) continue;
    found.add(i);
    for (const k of COUNTS) row[`${k}_${i}`] = counts[`${k}_${i}`];
    // `12K` is an integer of 12,000, `1.5K` one of 1,500: integers or not, the column's numbers are read as doubles.
    for (const k of ['int', 'ints']) row[`${k}_${i}`] = 1;
  }
  return found;
}
