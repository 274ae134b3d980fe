import fs from 'node:fs/promises';
import path from 'node:path';
import type { DatasetSpec, ReferenceSpec } from '../project/types.js';
import { parquetFiles, sqlIdent as id, sqlString as str, type Engine } from '../engine/duckdb.js';
import { QualityError } from '../errors.js';
import type { CleaningStats, QualityCheck } from './cleaning.js';
import { sqlType } from './row-rules.js';
import { datasetRules } from './dataset-rules.js';
import { partitioning } from './partitioning.js';
import { latestRows } from './latest-rows.js';
import { eventDate, rowsIn, rowsNotLoaded } from './already-loaded.js';
import { SCRATCH_PARQUET, writeSilverRows, type SilverFile } from './silver-files.js';
import { coverage, type Cover, type CoverageInput, type FileSpan } from './covering.js';

/**
 * The merge of newly cleaned files into a dataset's silver rows. With a key, a row of a later file
 * replaces the row of its key; without one, rows are appended, and a new version of a file name
 * replaces the rows of its earlier versions (silver keeps each row's file name in `_source`); a dated row
 * that another file name gives already is not added again (already-loaded.ts), and the rows of a file
 * that a new one covers (a corrected download under a new name) are withdrawn (covering.ts). Only the partitions
 * holding a replaced row are rewritten; one that only receives new rows gets them as a new file.
 *
 * Rows whose reference is missing (a purchase of a client not received yet) are kept aside, typed, in
 * the dataset's unresolved-reference quarantine, and re-checked whenever a referenced dataset
 * changes: the outcome does not depend on which file arrived first, so a sequence of daily drops ends
 * where a single run on the final files does.
 */

export interface MergeInput {
  spec: DatasetSpec;
  /** Cleaned rows of the new files, oldest first: relations with the dataset's columns and `_record`; their bronze key and file name; how many rows each holds, when known. */
  incoming: { relation: string; source: string; name: string; rows?: number; arrival?: number }[];
  /** Without a key, dated: silver's state of the dataset's files (covering.ts). */
  covering?: Pick<CoverageInput, 'spans' | 'overlaps' | 'rebuildable'>;
  /** The dataset's current silver files (local paths) and the partition each belongs to. */
  existing: { partition: string; file: string }[];
  /** Local path of the current unresolved-reference quarantine, if any. */
  orphansFile?: string;
  /** Per reference of the spec, in order: a relation of the referenced values, in a column named as the referencing one. */
  referenced?: (string | undefined)[];
  /** An empty folder for the files written. */
  outDir: string;
  /** Files of the dataset waiting in quarantine (named when the dataset ends empty). */
  waiting?: string[];
  /** The new files' rows set aside by the cleaning, per reason: named when the dataset ends empty. */
  setAside?: Pick<CleaningStats, 'reasons' | 'thousandsCommas' | 'thousandsSpaces'>;
}

export interface MergeResult {
  /** Files to upload: partition folder ('' when unpartitioned) and file name inside it. */
  written: SilverFile[];
  /** Partitions rewritten: their previous objects are replaced by `written` (none left means emptied). */
  touched: string[];
  /** Partitions that only received rows: `written` is added to their objects. */
  appended: string[];
  /** The new unresolved-reference quarantine: `file` to upload, or none left (`rows` 0) when `changed`. */
  orphans: { changed: boolean; rows: number; file?: string };
  counts: {
    /** Rows of the new files after keeping the latest row of each key. */
    incoming: number;
    /** Rows already in silver that rows of the new files replaced. */
    replaced: number;
    /** Rows of the new files replaced by a later new file's row of the same key (the latest wins). */
    superseded: number;
    /** Rows of the new files (without a key) that another file holds already: not added again. */
    alreadyLoaded: number;
    /** Rows of the new files set aside for a missing reference. */
    newOrphans: number;
    /** Rows set aside earlier whose reference has arrived. */
    promoted: number;
    /** Rows in silver after the merge. */
    rows: number;
  };
  /** Without a key, dated: new files covering earlier ones, and the dataset's files after the merge (covering.ts). */
  covers?: Cover[];
  spans?: Record<string, FileSpan>;
  quality: QualityCheck[];
  /** A view of the dataset's silver rows after the merge (declared columns), for the datasets that reference it. */
  finalRelation: string;
}

export { SCRATCH_PARQUET, SILVER_PARQUET, writeSilverRows } from './silver-files.js';

/** Without a key, silver keeps the file name of each row, so that a new version of the file replaces them. */
export const SOURCE_COLUMN = '_source';

/** Files a partition may gather from appended drops before a drop rewrites it whole. */
export const APPEND_LIMIT = 50;

export async function mergeDataset(db: Engine, input: MergeInput): Promise<MergeResult> {
  const { spec } = input;
  const keyed = spec.key.length > 0;
  const names = Object.keys(spec.columns);
  const cols = names.map(id).join(', ');
  const stored = keyed ? cols : `${cols}, ${SOURCE_COLUMN}`;
  const keys = spec.key.map(id).join(', ');
  const cand = id(`merge_candidates_${spec.name}`);
  const part = partitioning(spec);
  const files = (list: { file: string }[]) => parquetFiles(list.map((e) => e.file));
  const typedEmpty = `SELECT ${names.map((c) => `NULL::${sqlType(spec.columns[c]!)} AS ${id(c)}`).join(', ')}${keyed ? '' : `, NULL::VARCHAR AS ${SOURCE_COLUMN}`}, NULL::INTEGER AS _file, NULL::BIGINT AS _record WHERE false`;
  const orphansTyped = input.orphansFile
    ? `SELECT ${names.map((c) => `CAST(${id(c)} AS ${sqlType(spec.columns[c]!)}) AS ${id(c)}`).join(', ')}${keyed ? '' : `, ${SOURCE_COLUMN}`}, -1 AS _file, _record, _source_file AS _old_source FROM read_parquet(${str(input.orphansFile)})`
    : undefined;
  // Without a key, a dated new file may cover an earlier file (covering.ts): its rows are withdrawn, as a new version's.
  const dated = !keyed && input.incoming.length > 0 && eventDate(spec) !== undefined;
  const covered = dated ? await coverage(db, spec, { incoming: input.incoming, existing: input.existing, ...(orphansTyped ? { orphans: orphansTyped } : {}), ...input.covering }) : undefined;
  const kept = input.incoming.filter((_, i) => !covered?.dropped.has(i));
  // Whether a row came from a file of the same name as a new one, or a covered one (`x IN (NULL)` would be NULL, not false).
  const replacing = [...input.incoming.map((f) => f.name), ...(covered?.withdrawn ?? [])];
  const fromIncomingName = (negate: boolean) => (replacing.length ? `${SOURCE_COLUMN} ${negate ? 'NOT IN' : 'IN'} (${replacing.map(str).join(', ')})` : negate ? 'true' : 'false');
  /** Rows of an existing relation that a row of the new files replaces (or, negated, that it leaves alone). A row
   * waiting for its reference replaces none until released, as a correction quarantined for a bad value. */
  const replacedBy = (relation: string, negate: boolean) =>
    keyed
      ? `SELECT * FROM (${relation}) ${negate ? 'ANTI' : 'SEMI'} JOIN (SELECT ${keys} FROM ${cand} WHERE NOT _orphan) USING (${keys})`
      : `SELECT * FROM (${relation}) WHERE ${fromIncomingName(negate)}`;

  // The latest row of each key among the new files (`_file` is the file's position, oldest first).
  const union = input.incoming.flatMap((f, i) => (covered?.dropped.has(i) ? [] : [`SELECT ${cols}${keyed ? '' : `, ${str(f.name)} AS ${SOURCE_COLUMN}`}, ${i}::INTEGER AS _file, _record FROM ${f.relation}`])).join(' UNION ALL ');
  const refs = spec.references.map((r, i) => ({ ...r, flag: id(`_u${i}`), relation: input.referenced?.[i] }));
  const waitOn = refs.filter((r) => r.severity === 'error');
  const pending = waitOn.flatMap((r) => (r.relation ? [unresolvedReference(r.column, r.relation)] : [])).join(' OR ');
  const severalKeyed = input.incoming.length > 1 && keyed;
  const latest = severalKeyed ? latestRows(union, keys, pending || undefined) : undefined;
  // Rows set aside earlier come back typed; `_file` -1 marks them. A newer row of their key (or a new
  // version of their file) supersedes them. New rows name their file by `_file` only: a source name
  // on each of millions of rows would cost more than the rows.
  const orphansOld = orphansTyped ? `SELECT * FROM (${orphansTyped}) o ${keyed ? `ANTI JOIN (SELECT ${keys} FROM incoming) USING (${keys})` : `WHERE ${fromIncomingName(true)}`}` : undefined;
  // Without a key, a dated row that another file (or an earlier file of the run) gives already is not added again.
  const held = dated && (input.existing.length > 0 || orphansOld !== undefined || kept.length > 1);
  const fresh = held ? await rowsNotLoaded(db, spec, union, { existing: input.existing, others: fromIncomingName(true), ...(orphansOld ? { orphans: orphansOld } : {}) }) : undefined;
  const incoming = input.incoming.length === 0 ? typedEmpty : (latest?.rows ?? fresh ?? union);
  // Each repeated key keeps one row (two, its latest waiting for its reference): the others are accounted for as superseded, not lost.
  const [dup] = latest ? await db.rows(latest.superseded) : [{ n: 0 }];
  const superseded = Number(dup!['n']) + (covered?.droppedRows ?? 0);
  const unresolved = refs.map((r) => (r.relation ? `${unresolvedReference(r.column, r.relation)} AS ${r.flag}` : `false AS ${r.flag}`));
  const candidates = `
    WITH incoming AS (${incoming})
    SELECT *, ${waitOn.length ? waitOn.map((r) => r.flag).join(' OR ') : 'false'} AS _orphan FROM (SELECT *${unresolved.map((u) => `, ${u}`).join('')} FROM (
      SELECT *, NULL::VARCHAR AS _old_source FROM incoming
      ${orphansOld ? `UNION ALL ${orphansOld}` : ''}
    ))`;
  // One new file, no earlier orphans and no rows to match (every first load, every daily drop of a keyed
  // dataset): the candidates are a view, read twice (counts, then the write; a first load counted by its
  // write reads it once), which costs less than writing them out. Otherwise choosing between files,
  // orphans and rows held would be computed again on each read: they stream to a scratch Parquet file
  // (as a table, millions of rows would outgrow DuckDB's memory limit and spill).
  let candFile: string | undefined;
  if (severalKeyed || orphansOld || fresh) {
    await fs.mkdir(input.outDir, { recursive: true });
    candFile = path.join(input.outDir, 'candidates.parquet');
    await db.run(`COPY (${candidates}) TO ${str(candFile)} (FORMAT parquet, ${SCRATCH_PARQUET})`);
    await db.run(`CREATE OR REPLACE TEMP VIEW ${cand} AS SELECT * FROM read_parquet(${str(candFile)})`);
  } else {
    await db.run(`CREATE OR REPLACE TEMP VIEW ${cand} AS ${candidates}`);
  }

  // A first load (no silver rows yet, nothing set aside earlier): every partition receiving rows is
  // new, so the rows are written before it is known which partitions they fall in, and the counts
  // need no grouping by partition (computing each row's partition for that cost 0.2 s at 10M rows).
  const firstLoad = input.existing.length === 0 && !orphansOld;
  const refCounts = refs.map((r, i) => `count(*) FILTER (WHERE ${r.flag}) AS ${id(`unresolved_${i}`)}`).join(', ');
  const byPartition = firstLoad
    ? []
    : await db.rows(`
    SELECT ${part.code} AS part,
           count(*) FILTER (WHERE NOT _orphan) AS receiving,
           count(*) FILTER (WHERE _file >= 0) AS incoming,
           count(*) FILTER (WHERE _file >= 0 AND _orphan) AS new_orphans,
           count(*) FILTER (WHERE _file < 0 AND NOT _orphan) AS promoted,
           count(*) FILTER (WHERE _file < 0 AND _orphan) AS still_orphans,
           count(*) FILTER (WHERE _orphan) AS orphans,
           ${refCounts}${refs.length ? ',' : ''}
           count(*) AS checked
    FROM ${cand} GROUP BY ALL`);
  const c: Record<string, number> = {};
  for (const row of byPartition) for (const [k, v] of Object.entries(row)) if (k !== 'part') c[k] = (c[k] ?? 0) + Number(v);
  const countFirstLoad = async () => {
    const [whole] = await db.rows(`SELECT count(*) AS checked, count(*) FILTER (WHERE _orphan) AS orphans${refs.length ? `, ${refCounts}` : ''} FROM ${cand}`);
    for (const [k, v] of Object.entries(whole!)) c[k] = Number(v);
    // Every candidate is a row of the new files (none comes back from the orphans).
    Object.assign(c, { incoming: c['checked'], new_orphans: c['orphans'], receiving: c['checked']! - c['orphans']! });
  };
  // The first load of one file whose references all hold a row back until it resolves (or that has
  // none): the write counts the rows. As many written as came in means none waits and none is
  // unresolved; fewer, and they are counted by reference after the write (0.13 s saved at 10M rows).
  const knownRows = input.incoming.length === 1 ? input.incoming[0]!.rows : undefined;
  const countedByWrite = firstLoad && knownRows !== undefined && refs.every((r) => r.severity === 'error');
  if (countedByWrite) {
    Object.assign(c, { checked: knownRows, orphans: 0, incoming: knownRows, new_orphans: 0, receiving: knownRows });
    refs.forEach((_, i) => (c[`unresolved_${i}`] = 0));
  } else if (firstLoad) await countFirstLoad();
  const count = (k: string) => c[k] ?? 0;
  const alreadyLoaded = fresh ? (await rowsIn(db, union, kept)) - count('incoming') : 0;
  for (const [i, r] of refs.entries()) {
    if (r.severity === 'fatal' && count(`unresolved_${i}`) > 0) {
      const [e] = await db.rows(`SELECT ${id(r.column)} AS v FROM ${cand} WHERE ${r.flag} LIMIT 1`);
      throw new QualityError(spec.name, 'references', `${count(`unresolved_${i}`)} of ${count('checked')} rows have a ${r.column} with no row in ${r.dataset}, e.g. ${e!['v']}`);
    }
  }

  // Partitions to rewrite: those of rows being replaced, and those receiving rows.
  const replacedByPartition = input.existing.length ? await db.rows(`SELECT ${part.code} AS part, count(*) AS n FROM (${replacedBy(`SELECT * FROM ${files(input.existing)}`, false)}) GROUP BY ALL`) : [];
  const receiving = byPartition.filter((r) => Number(r['receiving']) > 0).map((r) => part.folder(Number(r['part'])));
  const replacedIn = new Set(replacedByPartition.map((r) => part.folder(Number(r['part']))));
  const filesIn = new Map<string, number>();
  for (const e of input.existing) filesIn.set(e.partition, (filesIn.get(e.partition) ?? 0) + 1);
  // A partition that only receives rows (none of its rows replaced) gets them as a file of its own: a
  // daily drop costs its rows, not its partition's. `datalake compact` joins the files later; a
  // partition of APPEND_LIMIT files is rewritten whole when it next receives rows.
  const appended = receiving.filter((p) => !replacedIn.has(p) && (filesIn.get(p) ?? 0) > 0 && filesIn.get(p)! < APPEND_LIMIT).sort();
  let touched = [...new Set([...replacedIn, ...receiving])].filter((p) => !appended.includes(p)).sort();
  const replaced = replacedByPartition.reduce((sum, r) => sum + Number(r['n']), 0);

  const written: MergeResult['written'] = [];
  const dataDir = path.join(input.outDir, 'data');
  if (touched.length || appended.length || (firstLoad && count('receiving') > 0)) {
    const kept = input.existing.filter((e) => touched.includes(e.partition));
    const rows = `SELECT ${stored} FROM ${cand} WHERE NOT _orphan${kept.length ? ` UNION ALL SELECT ${stored} FROM (${replacedBy(`SELECT * FROM ${files(kept)}`, true)})` : ''}`;
    const out = await writeSilverRows(db, spec, rows, dataDir);
    if (countedByWrite && out.rows !== knownRows) await countFirstLoad();
    // (Every row of a first load waiting for its reference: nothing to add, not even an empty file.)
    const nothingWritten = countedByWrite && count('receiving') === 0;
    if (!nothingWritten) written.push(...out.written);
    if (firstLoad) touched = [...new Set(written.map((w) => w.partition))].sort();
  }

  // The unresolved-reference quarantine changes when rows join it or leave it.
  const orphansChanged = count('new_orphans') > 0 || count('still_orphans') < (input.orphansFile ? await rowCount(db, input.orphansFile) : 0);
  const orphans: MergeResult['orphans'] = { changed: orphansChanged, rows: count('orphans') };
  if (orphansChanged && count('orphans') > 0) {
    orphans.file = path.join(input.outDir, 'unknown_reference.parquet');
    const sources = `CASE _file ${input.incoming.map((f, i) => `WHEN ${i} THEN ${str(f.source)}`).join(' ')} END`;
    const reason = `CASE ${waitOn.map((r) => `WHEN ${r.flag} THEN ${str(`unknown_reference:${r.column}`)}`).join(' ')} END`;
    const detail = `CASE ${waitOn.map((r) => `WHEN ${r.flag} THEN ${str(`${r.column} `)} || ${id(r.column)} || ${str(` has no row in ${r.dataset}`)}`).join(' ')} END`;
    await db.run(`
      COPY (
        SELECT coalesce(_old_source, ${input.incoming.length ? sources : 'NULL::VARCHAR'}) AS _source_file, _record, NULL::BIGINT AS _line, ${reason} AS _reason, ${detail} AS _detail,
               ${names.map((n) => `CAST(${id(n)} AS VARCHAR) AS ${id(n)}`).join(', ')}${keyed ? '' : `, ${SOURCE_COLUMN}`}, NULL::VARCHAR AS _raw_line
        FROM ${cand} WHERE _orphan ORDER BY _source_file, _record
      ) TO ${str(orphans.file)} (FORMAT parquet, COMPRESSION zstd)`);
  }

  // The dataset after the merge: untouched partitions as they were, plus the rewritten ones.
  const finalFiles = [...input.existing.filter((e) => !touched.includes(e.partition)), ...written];
  const finalRelation = silverView(spec.name);
  await db.run(`CREATE OR REPLACE TEMP VIEW ${finalRelation} AS ${finalFiles.length ? `SELECT ${cols} FROM ${files(finalFiles)}` : `SELECT ${cols} FROM (${typedEmpty})`}`);
  const { rows, checks: quality } = await datasetRules(db, spec, finalRelation, input.waiting ?? [], finalFiles.map((f) => f.file), input.setAside);
  refs.forEach((r, i) => quality.unshift({ dataset: spec.name, rule: 'references', column: r.column, severity: r.severity, checked: count('checked'), failed: count(`unresolved_${i}`), examples: [] }));
  await db.run(`DROP VIEW ${cand}`);
  if (candFile) await fs.rm(candFile, { force: true });

  return {
    written,
    touched,
    appended,
    orphans,
    counts: { incoming: count('incoming'), replaced, superseded, alreadyLoaded, newOrphans: count('new_orphans'), promoted: count('promoted'), rows },
    ...(covered ? { covers: covered.covers, spans: covered.spans } : {}),
    quality,
    finalRelation,
  };
}

/** The session's view of a dataset's silver rows as merged in this run: the datasets referencing it check against it. */
export const silverView = (dataset: string) => id(`silver_${dataset}`);

/** The values a reference may point to: the referenced dataset's key, named as the referencing column. */
export const referencedValues = (r: ReferenceSpec) => `SELECT ${id(r.key)} AS ${id(r.column)} FROM ${silverView(r.dataset)}`;

/** Whether a row's reference (`column`) has no row among `relation`'s values of that column. */
export function unresolvedReference(column: string, relation: string): string {
  return `(${id(column)} IS NOT NULL AND ${id(column)} NOT IN (SELECT ${id(column)} FROM (${relation}) WHERE ${id(column)} IS NOT NULL))`;
}

async function rowCount(db: Engine, file: string): Promise<number> {
  const [r] = await db.rows(`SELECT count(*) AS n FROM read_parquet(${str(file)})`);
  return Number(r!['n']);
}
