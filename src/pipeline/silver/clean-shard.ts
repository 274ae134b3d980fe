import path from 'node:path';
import { sqlString as str } from '../../engine/duckdb.js';
import { UserError } from '../../errors.js';
import type { DatasetSpec, Project } from '../../project/types.js';
import { cleanDataset, type CleaningStats, type QualityCheck } from '../cleaning.js';
import { recordsAndEnds } from '../csv-file.js';
import { endsWithEofMark, readableCopy, type SourceEncoding } from '../csv-encoding.js';
import type { RunContext } from '../context.js';
import { matchHeader, quotingOf } from '../csv-header.js';
import { datasetHeader } from '../dataset-header.js';
import { headerProblem } from '../header-problem.js';
import { escapeProblem, quoteStyle } from '../csv-quoting.js';
import type { ShardHandler, StagedFile } from '../shards.js';
import type { MergeResult } from '../merge.js';

export interface CleanShardInput {
  dataset: string;
  /** The bronze file. */
  key: string;
  name: string;
  rows: number;
  /** Bronze counted `rows` as records (newer manifests): the cleaning must account for each of them. */
  recordCount?: boolean;
  /** `rows` was counted under another `skip_lines`: the file's records are counted again. */
  recount?: true;
  longestRecord?: number;
  /** The file's text is windows-1252 (bronze found it not UTF-8 in a dataset reading that encoding) or UTF-16. */
  encoding?: Exclude<SourceEncoding, 'utf-8'>;
  /** Its records end with CRLF and LF both: read from a copy ending each with LF. */
  mixedLineEnds?: true;
  /** Of its records, those bronze found ending with the dataset's delimiter (undefined: not counted so). */
  endsWithDelimiter?: number;
  /** It ends with Ctrl-Z, DOS' end-of-file mark, which bronze did not count: read from a copy without it. */
  eofMark?: true;
  /** The shard's position: names its temporary tables apart from the other files' in one session. */
  index: number;
  /** One of several new files of the dataset: progress names the file, and its valid rows are written out. */
  many: boolean;
}

export interface CleanShardOutput {
  dataset: string;
  key: string;
  /** Valid rows. */
  rows: number;
  /** The file's valid rows: a view of the run's session in-process, a staged Parquet file from a worker. */
  valid?: { relation: string } | StagedFile;
  quarantine?: StagedFile;
  stats?: CleaningStats;
  quality?: QualityCheck[];
  /** The file cannot be read as its dataset: it waits in quarantine, whole, for this reason. */
  waiting?: string;
  /**
   * The file waits as with `waiting`, tried again when its dataset's definition changes, but with its
   * lines in quarantine under their own reason (a file writing its dates month first): why it waits.
   */
  waitsWhole?: string;
  /** Optional declared columns the file lacks. */
  missingColumns?: string[];
  /** The file was read on one thread to keep its row order (CleaningResult.oneThread). */
  oneThread?: true;
  /** The file was the dataset's first load and clean: its rows are silver's already, written in one pass (one-pass.ts), with no merge to do. */
  loaded?: MergeResult;
  /** Drops the in-process view's tables once merged. */
  dispose?: () => Promise<void>;
  /** Writes the in-process view out as a staged file (only when the task fails: a resume then reuses it). */
  keep?: () => Promise<CleanShardOutput>;
}

export function datasetNamed(project: Project, name: string): DatasetSpec {
  const spec = project.datasets.find((d) => d.name === name);
  if (!spec) throw new Error(`unknown dataset ${name}`);
  return spec;
}

/**
 * A bronze file as silver reads it, a local path: UTF-8 (a copy of a file bronze found
 * windows-1252), and the bytes of its longest record there (a character may take 3).
 */
export async function bronzeText(ctx: RunContext, input: CleanShardInput): Promise<{ csv: string; longestRecord?: number }> {
  const dir = await ctx.workDir('silver-inputs');
  const file = await ctx.lake.localPath('bronze', input.key, dir);
  // Counted again, its records are as bronze counts them now: a Ctrl-Z ending it none (an older manifest counted it).
  const eofMark = input.eofMark ?? (input.recount && (await endsWithEofMark(file)));
  const csv = await readableCopy(file, { ...input, eofMark }, path.join(dir, `${input.index}.utf8.csv`));
  const longestRecord = input.longestRecord && (input.encoding ? input.longestRecord * 3 : input.longestRecord);
  return { csv, ...(longestRecord ? { longestRecord } : {}) };
}

/** One bronze file's cleaning (see cleaning.ts): a shard of the silver task. */
export const cleanShard: ShardHandler<CleanShardInput, CleanShardOutput> = async (ctx, input, stager) => {
  const spec = datasetNamed(ctx.config.project, input.dataset);
  const db = await ctx.db();
  const outDir = await ctx.workDir('silver');
  const { csv, longestRecord } = await bronzeText(ctx, input);
  const header = await datasetHeader(csv, spec);
  const match = matchHeader(header, spec);
  const problem = headerProblem(input.name, header, match, spec);
  if (problem) return { dataset: spec.name, key: input.key, rows: 0, waiting: problem.message };
  // Read with PostgreSQL's escapes since a definition changed (bronze checked it against the one before): its
  // backslashes must be escapes, or they would be dropped.
  const escaping = spec.backslashEscapes ? escapeProblem(input.name, await quoteStyle(csv, spec.delimiter), spec) : undefined;
  if (escaping) return { dataset: spec.name, key: input.key, rows: 0, waiting: `${escaping.message} (${escaping.hint})` };
  const missingColumns = match.missingOptional.length ? { missingColumns: match.missingOptional } : {};
  const counted = input.recount ? await recordsAndEnds(csv, spec.skipLines, quotingOf(spec), spec.delimiter) : undefined;
  const records = counted ? counted.records + (spec.headerless ? 1 : 0) : input.rows;
  const endsWithDelimiter = counted?.endsWithDelimiter ?? input.endsWithDelimiter;
  ctx.progress.begin('silver', input.many ? `${spec.name} ${input.name}` : spec.name, records);
  const cleaned = await cleanDataset(db, spec, csv, {
    header: match.names,
    sourceName: input.key,
    outDir,
    tag: `_${input.index}`,
    settings: ctx.config.qualitySettings,
    rows: records,
    ...(longestRecord ? { longestRecord } : {}),
    ...(input.recordCount ? { expectedRecords: records } : {}),
    ...(endsWithDelimiter !== undefined ? { endsWithDelimiter } : {}),
    onProgress: (p) => ctx.progress.update(p.percent === undefined ? {} : { percent: p.percent }),
  });
  ctx.progress.end();
  // Every record bronze counted is read or rejected: kept, quarantined or a counted drop follows. The
  // cleaning falls back to quarantining every line when its reading falls short; fewer still would
  // mean rows lost without a word: nothing is merged from such a reading.
  if (input.recordCount && cleaned.stats.rowsIn < records) {
    await cleaned.dispose();
    throw new UserError(
      `${input.name}: the CSV reader accounted for ${cleaned.stats.rowsIn} of its ${records} records: ${records - cleaned.stats.rowsIn} would be lost`,
      'the run stops rather than lose rows; please report it with the file',
    );
  }
  const quarantine = cleaned.quarantineFile ? await stager.stage(cleaned.quarantineFile, 'quarantine.parquet') : undefined;
  const result = {
    dataset: spec.name,
    key: input.key,
    rows: cleaned.stats.rowsOut,
    stats: cleaned.stats,
    quality: cleaned.quality,
    ...missingColumns,
    ...(quarantine ? { quarantine } : {}),
    ...(cleaned.waitsWhole ? { waitsWhole: cleaned.waitsWhole } : {}),
    ...(cleaned.oneThread ? { oneThread: true as const } : {}),
  };
  const writeOut = async (): Promise<CleanShardOutput> => {
    const validFile = path.join(outDir, `valid_${input.index}.parquet`);
    await db.run(`COPY (SELECT * FROM ${cleaned.validRelation}) TO ${str(validFile)} (FORMAT parquet)`);
    await cleaned.dispose();
    return { ...result, valid: await stager.stage(validFile, 'valid.parquet') };
  };
  // A lone file stays a view of this session until merged (no copy), written out only if the task
  // fails (for a resume to reuse); with several, each file's working tables would pile up in memory
  // until the merge, so each is written out and dropped at once.
  if (!stager.remote && !input.many) return { ...result, valid: { relation: cleaned.validRelation }, dispose: cleaned.dispose, keep: writeOut };
  return writeOut();
};

