import { sqlIdent as id } from '../engine/duckdb.js';
import { figureFlagged, flagOf, withoutFlag } from '../pipeline/number-flags.js';
import { countRows } from './infer-columns.js';
import { numberTests } from './infer-numbers.js';
import { CODE_NAME, ID_LIKE } from './infer-spellings.js';
import type { Rows } from './infer-sql.js';

type Aggregate = (selects: string[], from: Rows) => Promise<Record<string, unknown>>;

/** The counts of numberTests that type a column of numbers and tell the file's decimal separator (as unitColumns replaces them). */
const NUMBER_COUNTS = ['int', 'num', 'numc', 'nump', 'dc', 'dd', 'dtt', 'dt', 'ctt', 'ct', 'pi', 'st', 'ints', 'zl', 'len'];

/**
 * Columns of figures some of which carry a flag after them (number-flags.ts: Statistics Canada's `490.3E` and
 * `"20,799.0 r"`, Eurostat's `12.3 p`, the ONS's `385,614 [p]`), which typed as text: of `candidates`, those whose
 * every value reads as a number once its flag is taken off, as silver reads a column declared `flags: true`. Their
 * counts in `row` are replaced by those of the numbers without their flags, so that the column is typed, and the
 * file's decimal separator told, from them. Returns each one's flags (the first and the last, sorted).
 * Not a column where a value has an exponent (`1e3`: its `e` may be no flag), nor one whose every value carries the
 * same flag (`5 s`, `12 d`: a unit), nor one named as an id or a code (`14C`, a seat). A flag counts where it is set
 * apart from its figure by a space or brackets, or the figure has a decimal point or thousands (figureFlagged):
 * `221B` is an address's number.
 */
export async function flagColumns(aggregate: Aggregate, candidates: number[], names: string[], value: (i: number) => string, source: Rows, row: Record<string, unknown>): Promise<Map<number, string[]>> {
  const named = candidates.filter((i) => !ID_LIKE.test(names[i]!) && !CODE_NAME.test(names[i]!));
  const flag = (i: number) => `CASE WHEN ${figureFlagged(value(i))} THEN ${flagOf(value(i))} END`;
  const found = await aggregate(
    named.flatMap((i) => [
      `${countRows(figureFlagged(value(i)))} AS ${id(`flagged_${i}`)}`,
      `${countRows(`regexp_matches(${value(i)}, '[0-9][eE][+-]?[0-9]')`)} AS ${id(`exponent_${i}`)}`,
      // The lowest and the highest (no DISTINCT: state of its own per column, megabytes each).
      `min(${flag(i)}) AS ${id(`flaglo_${i}`)}`,
      `max(${flag(i)}) AS ${id(`flaghi_${i}`)}`,
    ]),
    source,
  );
  const flagged = named.filter((i) => {
    const [n, values] = [Number(found[`flagged_${i}`]), Number(row[`values_${i}`])];
    return n > 0 && Number(found[`exponent_${i}`]) === 0 && (n < values || found[`flaglo_${i}`] !== found[`flaghi_${i}`]);
  });
  if (!flagged.length) return new Map();
  const counts = await aggregate(flagged.flatMap((i) => numberTests(withoutFlag(value(i)), countRows).flatMap((t) => (t.name === 'intz' ? [] : [`${t.sql} AS ${id(`${t.name}_${i}`)}`]))), source);
  const flags = new Map<number, string[]>();
  for (const i of flagged) {
    if (['int', 'num', 'numc', 'nump'].every((k) => Number(counts[`${k}_${i}`]) !== 0)) continue;
    flags.set(i, [...new Set([String(found[`flaglo_${i}`]), String(found[`flaghi_${i}`])])]);
    for (const k of NUMBER_COUNTS) row[`${k}_${i}`] = counts[`${k}_${i}`];
  }
  return flags;
}
