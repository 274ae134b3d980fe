import { sqlIdent as id, type Engine } from '../engine/duckdb.js';
import { distinctTuples } from '../engine/distinct.js';
import type { DatasetSpec } from '../project/types.js';

/** Columns past which a dataset without a key finds its repeated rows without a join (see duplicateRows). */
const LISTED_GROUPS = 64;

/**
 * Step 2 of the cleaning (cleaning.ts) — duplicates among valid rows. With a key, the first row of a key (in file order) wins; a
 * later row is an exact duplicate (dropped, counted) when all its typed values equal the winner's,
 * else it is quarantined. Without a key, only rows equal in every column are duplicates (rows with `duplicates: keep`).
 * Table `dups` holds each later row (`_rid`), its first (`_first_rid`) and `_kind` ('exact' or 'key'); whether the
 * keys are known distinct (no table then) is returned.
 */
export async function duplicateRows(engine: Engine, spec: DatasetSpec, staged: string, dups: string): Promise<boolean> {
  const names = Object.keys(spec.columns);
  const sameAsFirst = names.map((c) => `s.${id(c)} IS NOT DISTINCT FROM f.${id(c)}`).join(' AND ');
  const group = (spec.key.length ? spec.key : names).map(id);
  const joinOn = group.map((c) => `s.${c} IS NOT DISTINCT FROM k.${c}`).join(' AND ');
  // Keys proved distinct by a bitmap need no grouping (the usual case: 1 s at 10M rows, and memory;
  // a composite key is packed into one number, 0.2 s of the flights example's 2M rows).
  const keysDistinct = spec.keepDuplicates === true || (spec.key.length > 0 && (await distinctTuples(engine, staged, spec.key, '_reason IS NULL'))?.distinct === true);
  await engine.run(`DROP TABLE IF EXISTS ${dups}`);
  if (!keysDistinct && !spec.key.length && names.length > LISTED_GROUPS) {
    // Each group's rows listed as it is formed, not joined back on every column: DuckDB planned that join in 0.7 s of 1,147 columns.
    await engine.run(`
    CREATE TEMP TABLE ${dups} AS
    SELECT _rid, _first_rid, 'exact' AS _kind FROM (
      SELECT unnest(_rids) AS _rid, _first_rid FROM (SELECT min(_row) AS _first_rid, list(_row) AS _rids FROM ${staged} WHERE _reason IS NULL GROUP BY ${group.join(', ')} HAVING count(*) > 1)
    ) WHERE _rid <> _first_rid`);
  } else if (!keysDistinct) {
    await engine.run(`
    CREATE TEMP TABLE ${dups} AS
    WITH repeated AS (
      SELECT ${group.join(', ')}, min(_row) AS _first_rid FROM ${staged} WHERE _reason IS NULL GROUP BY ALL HAVING count(*) > 1
    )
    SELECT s._row AS _rid, k._first_rid, CASE WHEN ${spec.key.length ? sameAsFirst : 'true'} THEN 'exact' ELSE 'key' END AS _kind
    FROM ${staged} s
    JOIN repeated k ON ${joinOn} AND s._reason IS NULL AND s._row <> k._first_rid
    JOIN ${staged} f ON f._row = k._first_rid;
  `);
  }
  return keysDistinct;
}
