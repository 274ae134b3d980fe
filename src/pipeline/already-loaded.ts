import { parquetFiles, sqlIdent as id, sqlString as str, type Engine } from '../engine/duckdb.js';
import type { DatasetSpec } from '../project/types.js';
import { partitioning } from './partitioning.js';
import { sqlType } from './row-rules.js';

/**
 * Exports without an id are downloaded again with overlapping content under a new name (an account's
 * history, then `History (1).csv` holding the same transactions and one more). Without a key their rows
 * would be appended twice. When a row is dated, one identical in every column in two files is the same
 * event (a survey's undated answers may repeat by chance: those are appended). So a row of a new file
 * repeating a row already held from another file name, or from an earlier file of the run, is not added
 * again; it is counted as already loaded. A new file covering an earlier one (its dates, most of its
 * rows: a corrected download) withdraws that file's rows first, and adds its own (covering.ts).
 *
 * Counted in copies, for `duplicates: keep` (two identical charges on one day): the n-th copy of a row
 * in a file is added only when fewer than n are held already (the most copies of an earlier file of the
 * run counting as held). The dataset so holds of each row the most copies any one file has, whatever the
 * order the files came in, and an overlapping re-download adds nothing.
 */

/** The column dating the rows of a dataset whose identical rows in two files are one event: no key, a date or a timestamp. */
export function eventDate(spec: DatasetSpec): string | undefined {
  if (spec.key.length) return undefined;
  return Object.keys(spec.columns).find((c) => spec.columns[c]!.type === 'date' || spec.columns[c]!.type === 'timestamp');
}

/**
 * The rows of the new files (`union`: the dataset's columns, `_file` the file's position oldest first,
 * `_record`) not already loaded. `held` are the rows kept from the merge: silver's files (`others`, SQL
 * over a row, telling those of another file name) and rows waiting for their reference (`orphans`, SQL
 * giving them). Only the partitions the new rows fall into are read, and there only their dates' range
 * (identical rows share their date, hence their partition): a daily drop costs its rows.
 */
export async function rowsNotLoaded(db: Engine, spec: DatasetSpec, union: string, held: { existing: { partition: string; file: string }[]; others: string; orphans?: string }): Promise<string> {
  const names = Object.keys(spec.columns);
  const cols = names.map(id).join(', ');
  const day = id(eventDate(spec)!);
  const part = partitioning(spec);
  const inSilver = async () => {
    const falls = await db.rows(`SELECT ${part.code} AS part, CAST(min(${day}) AS VARCHAR) AS lo, CAST(max(${day}) AS VARCHAR) AS hi, bool_or(${day} IS NULL) AS undated FROM (${union}) GROUP BY ALL`);
    // (Rows of no partition, their partitioning column empty: every file is read, for its dates.)
    const folders = new Set(falls.map((f) => part.folder(Number(f['part']))));
    const files = held.existing.filter((e) => folders.has(e.partition) || falls.some((f) => f['part'] === null));
    if (files.length === 0) return [];
    const at = (v: unknown) => `CAST(${str(String(v))} AS ${sqlType(spec.columns[eventDate(spec)!]!)})`;
    const dated = falls.filter((f) => f['lo'] !== null);
    // The bounds are constants, so that Parquet's statistics skip the row groups of other dates.
    const when = [
      ...(dated.length ? [`${day} BETWEEN ${at(dated.map((f) => String(f['lo'])).sort()[0])} AND ${at(dated.map((f) => String(f['hi'])).sort().at(-1))}`] : []),
      ...(falls.some((f) => f['undated'] === true) ? [`${day} IS NULL`] : []),
    ].join(' OR ');
    return [`SELECT ${cols} FROM ${parquetFiles(files.map((e) => e.file))} WHERE ${held.others} AND (${when})`];
  };
  const kept = [...(await inSilver()), ...(held.orphans ? [`SELECT ${cols} FROM (${held.orphans})`] : [])];
  const same = (a: string, b: string) => names.map((c) => `${a}.${id(c)} IS NOT DISTINCT FROM ${b}.${id(c)}`).join(' AND ');
  // Held rows equal to a new one only: the window below then orders no more groups than the new rows make.
  const matching = kept.length ? `SELECT h.* FROM (${kept.join(' UNION ALL ')}) h SEMI JOIN (SELECT ${cols} FROM (${union})) n ON ${same('h', 'n')}` : undefined;
  const groups = `SELECT ${cols}, _file, count(*) AS _n FROM (${union}) GROUP BY ALL${matching ? ` UNION ALL SELECT ${cols}, -1 AS _file, count(*) AS _n FROM (${matching}) GROUP BY ALL` : ''}`;
  // Per row and new file, the copies held before it: in silver (`_file` -1), or the most of an earlier file of the run.
  const before = `SELECT * FROM (SELECT ${cols}, _file, max(_n) OVER (PARTITION BY ${cols} ORDER BY _file ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS _before FROM (${groups})) WHERE _file >= 0 AND _before IS NOT NULL`;
  return `WITH _new AS (${union}), _held AS (${before})
    SELECT n.* FROM _new n ANTI JOIN _held h ON ${same('n', 'h')} AND n._file = h._file
    UNION ALL
    SELECT n.* FROM _new n JOIN _held h ON ${same('n', 'h')} AND n._file = h._file
    QUALIFY row_number() OVER (PARTITION BY n._file, ${names.map((c) => `n.${id(c)}`).join(', ')} ORDER BY n._record) > h._before`;
}

/** How many rows the new files hold: their known counts, or counted. */
export async function rowsIn(db: Engine, union: string, incoming: { rows?: number }[]): Promise<number> {
  if (incoming.every((f) => f.rows !== undefined)) return incoming.reduce((n, f) => n + f.rows!, 0);
  const [r] = await db.rows(`SELECT count(*) AS n FROM (${union})`);
  return Number(r!['n']);
}
