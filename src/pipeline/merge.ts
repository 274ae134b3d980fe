import fs from 'node:fs/promises';
import path from 'node:path';
import type { ColumnSpec, DatasetSpec } from '../datasets/index.js';
import { sqlIdent as id, sqlString as str, type Engine } from '../engine/duckdb.js';
import { QualityError } from '../errors.js';
import type { QualityCheck } from './cleaning.js';
import { partitioning } from './layout.js';

/**
 * The merge of newly cleaned files into a dataset's silver rows, by key: a row of a later file replaces
 * the row of an earlier one. Only the partitions holding a replaced or a new row are rewritten.
 *
 * Rows whose reference is missing (a purchase of a client not received yet) are kept aside, typed, in
 * the dataset's unresolved-reference quarantine, and re-checked whenever the referenced dataset
 * changes: the outcome does not depend on which file arrived first, so a sequence of daily drops ends
 * where a single run on the final files does.
 */

export interface MergeInput {
  spec: DatasetSpec;
  /** Cleaned rows of the new files, oldest first: relations with the dataset's columns and `_record`. */
  incoming: { relation: string; source: string }[];
  /** The dataset's current silver files (local paths) and the partition each belongs to. */
  existing: { partition: string; file: string }[];
  /** Local path of the current unresolved-reference quarantine, if any. */
  orphansFile?: string;
  /** For `spec.references`: a relation with the referenced key column as it is after this run. */
  referenced?: string;
  /** An empty folder for the files written. */
  outDir: string;
}

export interface MergeResult {
  /** Files to upload: partition folder ('' when unpartitioned) and file name inside it. */
  written: { partition: string; name: string; file: string }[];
  /** Partitions rewritten: their previous objects are replaced by `written` (none left means emptied). */
  touched: string[];
  /** The new unresolved-reference quarantine: `file` to upload, or none left (`rows` 0) when `changed`. */
  orphans: { changed: boolean; rows: number; file?: string };
  counts: {
    /** Rows of the new files after keeping the latest row of each key. */
    incoming: number;
    /** Of these, rows that replaced a row already in silver. */
    replaced: number;
    /** Rows of the new files set aside for a missing reference. */
    newOrphans: number;
    /** Rows set aside earlier whose reference has arrived. */
    promoted: number;
    /** Rows in silver after the merge. */
    rows: number;
  };
  quality: QualityCheck[];
  /** A view of the dataset's silver rows after the merge, for the datasets that reference it. */
  finalRelation: string;
}

const SQL_TYPE: Record<ColumnSpec['type'], string> = {
  integer: 'BIGINT',
  decimal: 'DECIMAL(18,2)',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  text: 'VARCHAR',
};

export async function mergeDataset(db: Engine, input: MergeInput): Promise<MergeResult> {
  const { spec } = input;
  const names = Object.keys(spec.columns);
  const cols = names.map(id).join(', ');
  const key = id(spec.key);
  const cand = id(`merge_candidates_${spec.name}`);
  const part = partitioning(spec);
  const files = (list: { file: string }[]) => `read_parquet([${list.map((e) => str(e.file)).join(', ')}], hive_partitioning = false)`;
  const typedEmpty = `SELECT ${names.map((c) => `NULL::${SQL_TYPE[spec.columns[c]!.type]} AS ${id(c)}`).join(', ')}, NULL::INTEGER AS _file, NULL::BIGINT AS _record WHERE false`;

  // The latest row of each key among the new files (`_file` is the file's position, oldest first).
  const union = input.incoming.map((f, i) => `SELECT ${cols}, ${i}::INTEGER AS _file, _record FROM ${f.relation}`).join(' UNION ALL ');
  // Keys are unique within a file, so only keys in several files need choosing; finding them is an
  // aggregate on two integers (it spills), where a window over every row would hold them all in memory.
  const incoming =
    input.incoming.length === 0
      ? typedEmpty
      : input.incoming.length === 1
        ? union
        : `SELECT u.* FROM (${union}) u
           LEFT JOIN (SELECT ${key}, max(_file) AS _keep FROM (SELECT ${key}, _file FROM (${union})) GROUP BY ${key} HAVING count(*) > 1) d USING (${key})
           WHERE d._keep IS NULL OR u._file = d._keep`;
  // Rows set aside earlier come back typed; `_file` -1 marks them. New rows name their file by `_file`
  // only: a source name on each of millions of rows would cost more than the rows.
  const orphansOld = input.orphansFile
    ? `SELECT * FROM (
         SELECT ${names.map((c) => `CAST(${id(c)} AS ${SQL_TYPE[spec.columns[c]!.type]}) AS ${id(c)}`).join(', ')}, -1 AS _file, _record, _source_file AS _old_source
         FROM read_parquet(${str(input.orphansFile)})
       ) WHERE ${key} NOT IN (SELECT ${key} FROM incoming)`
    : undefined;
  const ref = spec.references;
  const unresolved = ref && input.referenced ? `${id(ref.column)} NOT IN (SELECT ${id(ref.column)} FROM (${input.referenced}))` : 'false';
  const severity = ref?.severity ?? 'error';
  const sources = `CASE _file ${input.incoming.map((f, i) => `WHEN ${i} THEN ${str(f.source)}`).join(' ')} END`;
  await db.run(`
    CREATE OR REPLACE TEMP TABLE ${cand} AS
    WITH incoming AS (${incoming})
    SELECT *, _unresolved AND ${severity === 'error'} AS _orphan FROM (SELECT *, ${unresolved} AS _unresolved FROM (
      SELECT *, NULL::VARCHAR AS _old_source FROM incoming
      ${orphansOld ? `UNION ALL ${orphansOld}` : ''}
    ))`);

  const [c] = await db.rows(`
    SELECT count(*) FILTER (WHERE _file >= 0) AS incoming,
           count(*) FILTER (WHERE _file >= 0 AND _orphan) AS new_orphans,
           count(*) FILTER (WHERE _file < 0 AND NOT _orphan) AS promoted,
           count(*) FILTER (WHERE _file < 0 AND _orphan) AS still_orphans,
           count(*) FILTER (WHERE _orphan) AS orphans,
           count(*) FILTER (WHERE _unresolved) AS unresolved,
           count(*) AS checked
    FROM ${cand}`);
  const count = (k: string) => Number(c![k]);
  if (ref && count('unresolved') > 0 && severity === 'fatal') {
    const [e] = await db.rows(`SELECT ${id(ref.column)} AS v FROM ${cand} WHERE _unresolved LIMIT 1`);
    throw new QualityError(spec.name, 'references', `${count('unresolved')} of ${count('checked')} rows have a ${ref.column} with no row in ${ref.dataset}, e.g. ${e!['v']}`);
  }

  // Partitions to rewrite: those of rows being replaced, and those receiving rows.
  const replacedByPartition = input.existing.length
    ? await db.rows(`SELECT ${part.code} AS part, count(*) AS n FROM ${files(input.existing)} WHERE ${key} IN (SELECT ${key} FROM ${cand} WHERE _file >= 0) GROUP BY ALL`)
    : [];
  const receiving = await db.rows(`SELECT DISTINCT ${part.code} AS part FROM ${cand} WHERE NOT _orphan`);
  const touched = [...new Set([...replacedByPartition, ...receiving].map((r) => part.folder(Number(r['part']))))].sort();
  const replaced = replacedByPartition.reduce((sum, r) => sum + Number(r['n']), 0);

  const written: MergeResult['written'] = [];
  const dataDir = path.join(input.outDir, 'data');
  if (touched.length) {
    const kept = input.existing.filter((e) => touched.includes(e.partition));
    const rows = `SELECT ${cols} FROM ${cand} WHERE NOT _orphan${
      kept.length ? ` UNION ALL SELECT ${cols} FROM ${files(kept)} WHERE ${key} NOT IN (SELECT ${key} FROM ${cand} WHERE _file >= 0)` : ''
    }`;
    await fs.mkdir(dataDir, { recursive: true });
    if (spec.partitionBy) {
      // DuckDB names the folders `_part=<code>`; they are renamed to the partition's folder on upload.
      await db.run(`COPY (SELECT *, ${part.code} AS _part FROM (${rows})) TO ${str(dataDir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (_part), OVERWRITE_OR_IGNORE)`);
    } else {
      await db.run(`COPY (${rows}) TO ${str(path.join(dataDir, 'data_0.parquet'))} (FORMAT parquet, COMPRESSION zstd)`);
    }
    for (const rel of (await fs.readdir(dataDir, { recursive: true })).sort()) {
      if (!rel.endsWith('.parquet')) continue;
      const folder = path.dirname(rel);
      const partition = folder === '.' ? '' : part.folder(Number(folder.slice(folder.indexOf('=') + 1)));
      written.push({ partition, name: path.basename(rel), file: path.join(dataDir, rel) });
    }
  }

  // The unresolved-reference quarantine changes when rows join it or leave it.
  const orphansChanged = count('new_orphans') > 0 || count('still_orphans') < (input.orphansFile ? await rowCount(db, input.orphansFile) : 0);
  const orphans: MergeResult['orphans'] = { changed: orphansChanged, rows: count('orphans') };
  if (orphansChanged && count('orphans') > 0) {
    orphans.file = path.join(input.outDir, 'unknown_reference.parquet');
    await db.run(`
      COPY (
        SELECT coalesce(_old_source, ${input.incoming.length ? sources : 'NULL::VARCHAR'}) AS _source_file, _record, NULL::BIGINT AS _line, ${str(`unknown_reference:${ref!.column}`)} AS _reason,
               ${str(`${ref!.column} `)} || ${id(ref!.column)} || ${str(` has no row in ${ref!.dataset}`)} AS _detail,
               ${names.map((n) => `CAST(${id(n)} AS VARCHAR) AS ${id(n)}`).join(', ')}, NULL::VARCHAR AS _raw_line
        FROM ${cand} WHERE _orphan ORDER BY _source_file, _record
      ) TO ${str(orphans.file)} (FORMAT parquet, COMPRESSION zstd)`);
  }

  // The dataset after the merge: untouched partitions as they were, plus the rewritten ones.
  const finalFiles = [...input.existing.filter((e) => !touched.includes(e.partition)), ...written];
  const finalRelation = id(`silver_${spec.name}`);
  await db.run(`CREATE OR REPLACE TEMP VIEW ${finalRelation} AS ${finalFiles.length ? `SELECT ${cols} FROM ${files(finalFiles)}` : `SELECT ${cols} FROM (${typedEmpty})`}`);
  const quality = await datasetRules(db, spec, finalRelation);
  if (ref) quality.unshift({ dataset: spec.name, rule: 'references', column: ref.column, severity, checked: count('checked'), failed: count('unresolved'), examples: [] });
  await db.run(`DROP TABLE ${cand}`);

  const rows = quality.find((q) => q.rule === 'not_empty')!.checked;
  return {
    written,
    touched,
    orphans,
    counts: { incoming: count('incoming'), replaced, newOrphans: count('new_orphans'), promoted: count('promoted'), rows },
    quality,
    finalRelation,
  };
}

/**
 * Rules on the whole dataset as it would be after the merge, fatal when they fail: it must not be
 * empty, and no column may be empty in every row. Uniqueness of the key holds by construction.
 */
async function datasetRules(db: Engine, spec: DatasetSpec, relation: string): Promise<QualityCheck[]> {
  const names = Object.keys(spec.columns);
  const [r] = await db.rows(`SELECT count(*) AS n, ${names.map((c) => `count(${id(c)}) AS ${id(`nn_${c}`)}`).join(', ')} FROM ${relation}`);
  const rows = Number(r!['n']);
  if (rows === 0) {
    throw new QualityError(spec.name, 'not_empty', 'no valid row in the dataset after this run; see the quarantine counts and fix or resend the source file');
  }
  const empty = names.filter((c) => Number(r![`nn_${c}`]) === 0);
  if (empty.length) throw new QualityError(spec.name, 'no_all_null_column', `column ${empty[0]} is empty in every row`);
  return [
    { dataset: spec.name, rule: 'not_empty', severity: 'fatal', checked: rows, failed: 0, examples: [] },
    { dataset: spec.name, rule: 'no_all_null_column', severity: 'fatal', checked: names.length, failed: 0, examples: [] },
  ];
}

async function rowCount(db: Engine, file: string): Promise<number> {
  const [r] = await db.rows(`SELECT count(*) AS n FROM read_parquet(${str(file)})`);
  return Number(r!['n']);
}
