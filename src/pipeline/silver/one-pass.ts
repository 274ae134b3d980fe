import fs from 'node:fs/promises';
import path from 'node:path';
import { parquetFiles, sqlIdent as id, sqlString as str, type Engine } from '../../engine/duckdb.js';
import { keysDistinct } from '../../engine/distinct.js';
import type { QualityCheck } from '../cleaning.js';
import { headerSpan, matchHeader, MAX_HEADER_BYTES, quotingOf, type Quoting } from '../csv-header.js';
import { datasetHeader } from '../dataset-header.js';
import { headerProblem } from '../header-problem.js';
import { datasetRules } from '../dataset-rules.js';
import { judgedRows, type JudgedRows } from '../judging.js';
import { wideLinesOf } from '../wide-rejects.js';
import { referencedValues, silverView, unresolvedReference, writeSilverRows, type MergeResult } from '../merge.js';
import type { RunContext } from '../context.js';
import type { ShardHandler } from '../shards.js';
import { bronzeText, cleanShard, datasetNamed, type CleanShardInput, type CleanShardOutput } from './clean-shard.js';
import { datasetSelect } from './read.js';
import { labelledTotal } from '../total-rows.js';

/**
 * A dataset's first load from one file, in one pass when the file is clean: its rows are read, typed,
 * judged and written as the dataset's silver files by one statement, where the usual way stages every
 * judged row in a scratch file, reads it back for the counts and the merge, and writes silver from it
 * (at 10M purchases: 4.2–5.4 s against 6.2–8.7 s, both on two cores).
 *
 * It holds only if nothing would have been set aside: the statement stops at the first row with a
 * reason, a failed warn or fatal rule or an unresolved reference, and a line the CSV reader cannot
 * split stops it too (no rejects table). Then, and when the rows written are not the records bronze
 * counted or a key repeats, the files are dropped and the file takes the usual way (cleanShard),
 * so that every count, quarantine row and row number is what that way gives. The part of the pass
 * done is lost then; the file's last lines are judged first (tailIsClean), where exports go wrong most.
 */
export const loadShard: ShardHandler<CleanShardInput, CleanShardOutput> = async (ctx, input, stager) => {
  const loaded = await loadInOnePass(ctx, input);
  if (loaded) return loaded;
  // Each load is a runner call of its own, at index 0 like the first cleaning shard: its staged files
  // are named apart by the file's position in the run.
  return cleanShard(ctx, input, { remote: stager.remote, stage: (file, name) => stager.stage(file, `load-${input.index}-${name}`) });
};

/** Whether a file may try the one pass: in this process, the only file of a keyed dataset with no silver rows yet. */
export function mayLoadInOnePass(spec: { key: readonly string[] }, current: { rows: number; orphans: number; partitions: Record<string, string[]> } | undefined, file: { rows: number; recordCount?: boolean; recount?: true; many: boolean }): boolean {
  const empty = !current || (current.rows === 0 && current.orphans === 0 && Object.keys(current.partitions).length === 0);
  return empty && spec.key.length > 0 && !file.many && file.recordCount === true && !file.recount && file.rows > 0;
}

async function loadInOnePass(ctx: RunContext, input: CleanShardInput): Promise<CleanShardOutput | undefined> {
  const spec = datasetNamed(ctx.config.project, input.dataset);
  const db = await ctx.db();
  const { csv, longestRecord } = await bronzeText(ctx, input);
  const header = await datasetHeader(csv, spec);
  const match = matchHeader(header, spec);
  // (A file read with PostgreSQL's escapes is checked for them the usual way.)
  if (headerProblem(input.name, header, match, spec) || spec.backslashEscapes) return undefined;
  // A line wider than the rows would load shifted here: the usual way rejects it (wide-rejects.ts).
  if (input.endsWithDelimiter !== 0 && (await wideLinesOf(csv, spec, match.names.length)).lines.length) return undefined;
  const judging = await judgedRows(db, spec, csv, {
    header: match.names,
    settings: ctx.config.qualitySettings,
    rows: input.rows,
    ...(longestRecord ? { longestRecord } : {}),
  });
  // Checked against the referenced datasets as merged in this run (combine merges in declared order).
  const unresolved = spec.references.map((r) => unresolvedReference(r.column, referencedValues(r)));
  // A row labelled as a total (`total_row`): whether it ends the file the usual way tells.
  const total = labelledTotal(spec);
  const setAside = ['_reason IS NOT NULL', '_noted', ...unresolved, ...(total ? [total] : [])].join(' OR ');
  const scratch = await ctx.workDir(`silver-load-${spec.name}`);
  if (!(await tailIsClean(csv, path.join(scratch, 'tail.csv'), (file) => judgedRows(db, spec, file, { header: match.names, settings: ctx.config.qualitySettings, rows: input.rows }), setAside, db, spec.skipLines, quotingOf(spec)))) return undefined;
  const rows = `${judging.judged(judging.reader())}
    SELECT ${judging.names.map(id).join(', ')} FROM judged
    WHERE CASE WHEN ${setAside} THEN error(${str(ONE_PASS_STOPPED)}) ELSE true END`;
  const dataDir = path.join(scratch, 'data');
  ctx.progress.begin('silver', spec.name, input.rows);
  let out: Awaited<ReturnType<typeof writeSilverRows>> | undefined;
  try {
    out = await writeSilverRows(db, spec, rows, dataDir, (p) => ctx.progress.update(p.percent === undefined ? {} : { percent: p.percent }));
  } catch {
    // A row to set aside, or a line the reader cannot split: the usual way says which and where.
    out = undefined;
  } finally {
    ctx.progress.end();
  }
  const files = out?.written.map((w) => w.file) ?? [];
  if (!out || out.rows !== input.rows || !(await keysDistinct(db, parquetFiles(files), spec.key))) {
    await fs.rm(dataDir, { recursive: true, force: true });
    return undefined;
  }

  const n = out.rows;
  const check = (rule: string, column: string | undefined, severity: QualityCheck['severity']): QualityCheck => ({ dataset: spec.name, rule, ...(column ? { column } : {}), severity, checked: n, failed: 0, examples: [] });
  const finalRelation = silverView(spec.name);
  await db.run(`CREATE OR REPLACE TEMP VIEW ${finalRelation} AS ${datasetSelect(spec, files)}`);
  // In the order the usual way reports them: the row rules and the key, then the references and the dataset's rules.
  const quality = [...judging.rules.map((r) => check(r.rule, r.column, r.severity)), check('unique_key', spec.key.join('+'), 'error')];
  const mergeQuality = [...spec.references.map((r) => check('references', r.column, r.severity)).reverse(), ...(await datasetRules(db, spec, finalRelation, [], files)).checks];
  const loaded: MergeResult = {
    written: out.written,
    touched: [...new Set(out.written.map((w) => w.partition))].sort(),
    appended: [],
    orphans: { changed: false, rows: 0 },
    counts: { incoming: n, replaced: 0, superseded: 0, alreadyLoaded: 0, newOrphans: 0, promoted: 0, rows: n },
    quality: mergeQuality,
    finalRelation,
  };
  return {
    dataset: spec.name,
    key: input.key,
    rows: n,
    stats: { dataset: spec.name, rowsIn: n, rowsOut: n, quarantined: 0, emptyRows: 0, exactDuplicates: 0, reasons: {} },
    quality,
    ...(match.missingOptional.length ? { missingColumns: match.missingOptional } : {}),
    loaded,
  };
}

/** Bytes at the end of a file judged before the one pass (a few thousand lines of most exports). */
const TAIL_BYTES = 256 * 1024;

/**
 * Whether the last lines of a file hold nothing to set aside. A footer ("Total;…") or a last line cut
 * short is where exports usually go wrong, and the one pass would meet it only at the end, having
 * done a whole pass for nothing (at 10M purchases, silver took 9.3–9.7 s instead of 5.9 s): those
 * lines are judged first, on their own. A cut inside a quoted field that spans lines fails to read
 * here: such a file takes the usual way.
 */
export async function tailIsClean(csv: string, tailFile: string, judge: (file: string) => Promise<JudgedRows>, setAside: string, db: Engine, skipLines = 0, quoting?: Quoting): Promise<boolean> {
  const handle = await fs.open(csv);
  try {
    const { size } = await handle.stat();
    if (size <= TAIL_BYTES * 2) return true;
    const head = Buffer.alloc(MAX_HEADER_BYTES);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    // The lines before the header too: the tail is read as the file is, skipping them.
    const headerEnd = headerSpan(head.subarray(0, bytesRead), skipLines, quoting)?.end ?? -1;
    const tail = Buffer.alloc(TAIL_BYTES);
    await handle.read(tail, 0, TAIL_BYTES, size - TAIL_BYTES);
    const cut = tail.indexOf(10);
    if (headerEnd < 0 || cut < 0) return false;
    await fs.writeFile(tailFile, Buffer.concat([head.subarray(0, headerEnd + 1), tail.subarray(cut + 1)]));
  } finally {
    await handle.close();
  }
  const judging = await judge(tailFile);
  try {
    const [row] = await db.rows(`${judging.judged(judging.reader())} SELECT count(*) FILTER (WHERE ${setAside}) AS n FROM judged`);
    return Number(row!['n']) === 0;
  } catch {
    return false; // a line the reader cannot split
  } finally {
    await fs.rm(tailFile, { force: true });
  }
}

/** The error that stops the one pass at a row the usual way would set aside. */
const ONE_PASS_STOPPED = 'a row to set aside: the file takes the usual cleaning';
