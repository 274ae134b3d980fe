import { parquetFiles, sqlIdent as id, sqlString as str, type Engine } from '../engine/duckdb.js';
import type { DatasetSpec } from '../project/types.js';
import { eventDate } from './already-loaded.js';
import { sqlType } from './row-rules.js';

/**
 * A corrected export downloaded again under a new name repeats most of the first download's rows and
 * changes a few (Toggl's `…_to_2024-01-31 (1).csv` with an entry shortened, Shopify's `orders_export_1
 * (1).csv` with an order refunded since): a changed row repeats none, and would be added beside the row
 * it corrects. So in a dataset without a key, dated (already-loaded.ts), a file covers an earlier file
 * when its rows' dates span the earlier file's whole span and it repeats exactly most of the earlier
 * file's rows, all but a fifth of them at most, or all but one (copies counted). The earlier file's rows are then withdrawn, as a new
 * version of it would withdraw them, and the rows both hold are the new file's. A file overlapping part
 * of an earlier one's dates (a statement of Jan 15 – Feb 15 after one of January) covers nothing: it
 * only leaves out the rows it repeats.
 *
 * Which files are covered depends on the files alone, each judged on all its rows, a file covering only
 * files that arrived before it: a run file by file and one run over the same files withdraw the same.
 * Silver's state keeps each merged file's dates and rows (`spans`), so the files worth comparing are
 * found without reading silver, and only theirs are read. Silver holds all the rows of a file unless
 * some were left out as repeating another's (`overlaps`): judging such a file, or withdrawing one whose
 * dates another file shares (rows of it left out as repeating the withdrawn rows must come back), takes
 * the dataset's rebuild from its latest files, which judges on every file's rows (CoverageRebuild).
 */

/** A merged file, by name: the first and last dates of its rows (none when all are undated), whether some are undated, how many rows it has. */
export interface FileSpan {
  from?: string;
  to?: string;
  undated?: true;
  rows: number;
}

/** A file covering an earlier one: both names, how many of the earlier file's rows it repeats, of how many. */
export interface Cover {
  file: string;
  covered: string;
  shared: number;
  rows: number;
}

export interface Coverage {
  /** Files in silver that a new file covers: their rows are withdrawn. */
  withdrawn: string[];
  /** Positions of new files that a later new file covers: not merged, their rows counted. */
  dropped: Set<number>;
  droppedRows: number;
  covers: Cover[];
  /** The dataset's files after the merge: those covered left out, the new ones in. */
  spans: Record<string, FileSpan>;
}

/** The dataset must be rebuilt from its latest files for a new file's coverage to be judged on all rows: the silver stage plans again. */
export class CoverageRebuild extends Error {
  constructor(
    readonly dataset: string,
    readonly reason: string,
  ) {
    super(`silver: ${dataset} must be rebuilt from its latest files, as ${reason}`);
  }
}

export interface CoverageInput {
  /** The new files, oldest first: relations of the dataset's columns, their names, when they arrived (their position by default). */
  incoming: { relation: string; name: string; arrival?: number }[];
  /** Silver's files of the dataset, and its rows waiting for their reference (SQL with the dataset's columns and `_source`). */
  existing: { file: string }[];
  orphans?: string;
  /** Silver's state of the dataset: its files' spans (read from silver when missing), whether rows were left out or withdrawn, and whether it may be rebuilt. */
  spans?: Record<string, FileSpan>;
  overlaps?: boolean;
  rebuildable?: boolean;
}

/** Most of the earlier file's rows, all but a fifth at most (or all but one): a correction changes a few rows, Toggl's three entries one. */
const covering = (shared: number, rows: number) => shared * 2 > rows && (rows - shared <= 1 || shared * 5 >= rows * 4);
const within = (e: FileSpan, n: FileSpan) => e.from !== undefined && n.from !== undefined && n.from <= e.from && n.to! >= e.to!;
const meet = (a: FileSpan, b: FileSpan) => (a.from !== undefined && b.from !== undefined && a.from <= b.to! && b.from <= a.to!) || (a.undated === true && b.undated === true);

export async function coverage(db: Engine, spec: DatasetSpec, input: CoverageInput): Promise<Coverage> {
  const names = Object.keys(spec.columns);
  const cols = names.map(id).join(', ');
  const date = eventDate(spec)!;
  const day = id(date);
  const at = (v: string) => `CAST(${str(v)} AS ${sqlType(spec.columns[date]!)})`;
  const union = input.incoming.map((f, i) => `SELECT ${cols}, ${i} AS _file FROM ${f.relation}`).join(' UNION ALL ');
  const bounds = `CAST(min(${day}) AS VARCHAR) AS lo, CAST(max(${day}) AS VARCHAR) AS hi, bool_or(${day} IS NULL) AS undated, count(*) AS n`;
  const span = (r: Record<string, unknown>): FileSpan => ({ ...(r['lo'] !== null ? { from: String(r['lo']), to: String(r['hi']) } : {}), ...(r['undated'] === true ? { undated: true as const } : {}), rows: Number(r['n']) });
  const silverRows = (where: string) => [
    ...(input.existing.length ? [`SELECT ${cols}, _source FROM ${parquetFiles(input.existing.map((e) => e.file))} WHERE ${where}`] : []),
    ...(input.orphans ? [`SELECT ${cols}, _source FROM (${input.orphans})`] : []),
  ];

  const fresh = new Map((await db.rows(`SELECT _file, ${bounds} FROM (${union}) GROUP BY _file`)).map((r) => [Number(r['_file']), span(r)]));
  const newNames = new Set(input.incoming.map((f) => f.name));
  let spans = input.spans;
  if (!spans) {
    // Silver built before it kept its files' spans: without rows left out, its rows are its files'.
    if (input.overlaps && input.rebuildable) throw new CoverageRebuild(spec.name, 'silver kept no dates of its files yet, and rows of some were left out as repeating another');
    const all = silverRows('true');
    spans = Object.fromEntries(all.length ? (await db.rows(`SELECT _source, ${bounds} FROM (${all.join(' UNION ALL ')}) GROUP BY _source`)).map((r) => [String(r['_source']), span(r)]) : []);
  }
  const held = Object.entries(spans).filter(([name]) => !newNames.has(name));

  // Each earlier file (silver's first, at negative positions) with the new files that may cover it, in arrival
  // order: later, their dates around its own, rows enough (a daily drop reads nothing of a month's file).
  type Candidate = { at: number; name: string; span: FileSpan; arrival: number };
  const may = (e: Candidate, n: Candidate) => n.arrival > e.arrival && within(e.span, n.span) && covering(Math.min(e.span.rows, n.span.rows), e.span.rows);
  const later = input.incoming.map((f, i): Candidate => ({ at: i, name: f.name, span: fresh.get(i) ?? { rows: 0 }, arrival: f.arrival ?? i }));
  const earlier: Candidate[] = [...held.map(([name, s], k): Candidate => ({ at: -1 - k, name, span: s, arrival: -Infinity })), ...later];
  const pending = new Map<Candidate, Candidate[]>();
  for (const e of earlier) {
    const by = later.filter((n) => may(e, n)).sort((a, b) => a.arrival - b.arrival);
    if (by.length) pending.set(e, by);
  }
  const coveredBy = new Map<Candidate, Cover>();
  let first = true;
  while (pending.size) {
    // One comparison per earlier file at a time, with the first new file that may cover it (the next one if it does not).
    const batch = [...pending].map(([e, by]) => [e, by[0]!] as const);
    const silverOnes = batch.filter(([e]) => e.at < 0).map(([e]) => e);
    const lo = silverOnes.map((e) => e.span.from!).sort()[0];
    const hi = silverOnes.map((e) => e.span.to!).sort().at(-1);
    const ofSilver = silverOnes.length
      ? silverRows(`_source IN (${silverOnes.map((e) => str(e.name)).join(', ')}) AND (${day} BETWEEN ${at(lo!)} AND ${at(hi!)} OR ${day} IS NULL)`).map(
          (sql) => `SELECT ${cols}, CASE _source ${silverOnes.map((e) => `WHEN ${str(e.name)} THEN ${e.at}`).join(' ')} END AS _e FROM (${sql}) WHERE _source IN (${silverOnes.map((e) => str(e.name)).join(', ')})`,
        )
      : [];
    const newOnes = batch.filter(([e]) => e.at >= 0).map(([e]) => e.at);
    const rowsOfEarlier = [...ofSilver, ...(newOnes.length ? [`SELECT ${cols}, _file AS _e FROM (${union}) WHERE _file IN (${newOnes.join(', ')})`] : [])].join(' UNION ALL ');
    const same = names.map((c) => `ge.${id(c)} IS NOT DISTINCT FROM gn.${id(c)}`).join(' AND ');
    const compared = await db.rows(`
      WITH p AS (SELECT * FROM (VALUES ${batch.map(([e, n]) => `(${e.at}, ${n.at})`).join(', ')}) p(e, n)),
      ge AS (SELECT ${cols}, _e, count(*) AS _c FROM (${rowsOfEarlier}) GROUP BY ALL),
      gn AS (SELECT ${cols}, _file AS _n, count(*) AS _c FROM (${union}) WHERE _file IN (${[...new Set(batch.map(([, n]) => n.at))].join(', ')}) GROUP BY ALL),
      shared AS (SELECT p.e, p.n, sum(least(ge._c, gn._c)) AS shared FROM p JOIN ge ON ge._e = p.e JOIN gn ON gn._n = p.n AND ${same} GROUP BY ALL),
      held AS (SELECT _e AS e, sum(_c) AS n FROM ge GROUP BY ALL)
      SELECT p.e, coalesce(s.shared, 0) AS shared, coalesce(h.n, 0) AS held FROM p LEFT JOIN shared s USING (e, n) LEFT JOIN held h USING (e)`);
    for (const [e, by] of batch.map(([e]) => [e, pending.get(e)!] as const)) {
      const r = compared.find((c) => Number(c['e']) === e.at)!;
      const heldRows = Number(r['held']);
      // Some of its rows left out as repeating another file's: only the rebuild reads them all.
      if (first && e.at < 0 && heldRows < e.span.rows && input.rebuildable) throw new CoverageRebuild(spec.name, `${by[0]!.name} may cover ${e.name}, some of whose rows were left out as repeating another file's`);
      const rows = e.at < 0 ? Math.min(heldRows, e.span.rows) : e.span.rows;
      if (covering(Number(r['shared']), rows)) {
        coveredBy.set(e, { file: by[0]!.name, covered: e.name, shared: Number(r['shared']), rows });
        pending.delete(e);
      } else if (by.shift() && by.length === 0) pending.delete(e);
    }
    first = false;
  }

  const withdrawn = [...coveredBy.keys()].filter((e) => e.at < 0);
  // Rows of another file of those dates may have been left out as repeating the rows withdrawn: the rebuild brings them back.
  const shadowed = input.overlaps ? held.find(([name, s]) => !withdrawn.some((w) => w.name === name) && withdrawn.some((w) => meet(s, w.span))) : undefined;
  if (shadowed && input.rebuildable) {
    const w = withdrawn.find((x) => meet(shadowed[1], x.span))!;
    throw new CoverageRebuild(spec.name, `${coveredBy.get(w)!.file} covers ${w.name}, whose dates ${shadowed[0]} shares, some of its rows perhaps left out as repeating ${w.name}'s`);
  }
  const dropped = new Set([...coveredBy.keys()].filter((e) => e.at >= 0).map((e) => e.at));
  const out: Record<string, FileSpan> = Object.fromEntries(held.filter(([name]) => !withdrawn.some((w) => w.name === name)));
  input.incoming.forEach((f, i) => {
    if (!dropped.has(i) && fresh.has(i)) out[f.name] = fresh.get(i)!;
  });
  return {
    withdrawn: withdrawn.map((e) => e.name),
    dropped,
    droppedRows: [...dropped].reduce((n, i) => n + fresh.get(i)!.rows, 0),
    covers: [...coveredBy.values()].sort((a, b) => a.file.localeCompare(b.file) || a.covered.localeCompare(b.covered)),
    spans: out,
  };
}
