import fs from 'node:fs/promises';
import path from 'node:path';
import { ServiceError, UserError } from '../errors.js';
import { datasetForFile } from '../project/globs.js';
import type { DatasetSpec } from '../project/types.js';
import { inspectCsv, type CsvFileFacts } from './csv-file.js';
import type { SourceEncoding } from './csv-encoding.js';
import { escapeProblem, quoteStyle } from './csv-quoting.js';
import { quotingOf } from './csv-header.js';
import { matchedHeader } from './dataset-header.js';
import { headerElsewhere } from '../project/layout.js';
import { unmatchedWarnings } from '../project/same-header.js';
import { timed, type RunContext, type StageResult } from './context.js';
import { bronzeKey } from '../lake/index.js';
import { listCandidates, statKey, unreadSourceFiles, type Candidate, type SourceEntry } from './sources.js';
import { DATALAKE } from '../command-name.js';

/** One file received, as kept in bronze. Entries are never changed or removed. */
export interface BronzeFile {
  /** Arrival order across all files: silver merges files in this order, so a later file's rows win. */
  seq: number;
  /** Name as received, e.g. `achats_2026-11-28.csv`. */
  name: string;
  dataset: string;
  /** 1 for the first content received under this name, then 2, 3... */
  version: number;
  key: string;
  sha256: string;
  size: number;
  /** Data records (a newline inside quotes does not end one; blank lines are none). */
  rows: number;
  /** Bytes of the longest record: silver's CSV reader buffers at least that much (absent in older manifests). */
  longestRecord?: number;
  /** Whether `rows` counts records as above (older manifests counted lines): silver checks its own count against it. */
  recordCount?: true;
  /** The lines before the header, not counted in `rows` (the dataset's `skip_lines` then): silver counts again under another. */
  skipLines?: number;
  /** Its records were counted with `\"` as a quote inside quotes (the dataset's `escape: backslash` then): silver counts again under the other. */
  escape?: '\\';
  /** Its records were counted as lines, a `"` being no quote (the dataset's `quote: none` then): silver counts again under the other. */
  quote?: 'none';
  /** Its first line was counted as a record, not a header (the dataset's `header: false` then): silver counts again under the other. */
  headerless?: true;
  /** Its lines end with CRLF and with LF (rows appended by another tool), or CR CR LF: silver reads a copy ending each with LF. */
  mixedLineEnds?: true;
  /** Its data records whose last field is empty, split by `delimiter` (absent in older manifests): silver looks for lines a field too wide among them only. */
  endsWithDelimiter?: { delimiter: string; records: number };
  /** It ends with Ctrl-Z, DOS' end-of-file mark, not counted in `rows`: silver reads a copy without it (absent in older manifests, which counted it). */
  eofMark?: true;
  /** Its text is windows-1252 (its dataset's `encoding`, and not UTF-8) or UTF-16 (by its byte-order mark): silver reads a UTF-8 copy. */
  encoding?: Exclude<SourceEncoding, 'utf-8'>;
  ingestDate: string;
  ingestedAt: string;
  runId: string;
  origin: 'folder' | 'bucket';
  /** Time of the `sources` object when ingested (of a folder file, its copy there): a bucket file with the same time and size is not read again. */
  sourceModified?: string;
  /** Inode, size, modification and change times (ns) of a folder file when ingested: a file with the same is not read again. */
  sourceStat?: string;
}

export interface Manifest {
  format: 2;
  files: BronzeFile[];
}

/** The latest version received under each file name. */
export function latestVersions(manifest: Manifest): Map<string, BronzeFile> {
  const latest = new Map<string, BronzeFile>();
  for (const f of manifest.files) if ((latest.get(f.name)?.version ?? 0) < f.version) latest.set(f.name, f);
  return latest;
}

type Outcome = 'ingested' | 'new version' | 'unchanged' | `unchanged: same content as ${string}` | 'ignored: matches no dataset' | 'quarantined';

export interface BronzeOptions {
  /** A file-level defect (empty, not UTF-8, a required column missing...) fails the run instead of setting the file aside. */
  strict?: boolean;
  /** Sees the source files this run found (a resume of the run checks that they are still the same). */
  onSources?: (seen: SourceEntry[]) => void;
}

/**
 * Bronze: every CSV of the sources folders and of the `sources` bucket is kept, byte for byte and for
 * good, under `bronze/<dataset>/ingest_date=<day>/`, and recorded in `bronze/_manifest.json`. A file
 * whose content equals the latest version of its name, or a file its dataset received under another
 * name, is skipped; new content under a known name is kept as a new version.
 *
 * One policy for a file that cannot be read (not a regular file, an unusable name, empty, not UTF-8,
 * CR-only line ends): it waits in quarantine, alone, with its reason in the summary and the run
 * record, and is looked at again at the next run; the others go on. With `strict` (and under a
 * dataset's `fail` policies) it fails the run instead, before anything is uploaded.
 */
export async function runBronze(ctx: RunContext, options: BronzeOptions = {}): Promise<StageResult> {
  return timed(async () => {
    const manifest = structuredClone(await ctx.draft.manifest());
    const latest = latestVersions(manifest);
    const candidates = await listCandidates(ctx.config, ctx.lake);
    const notRead = await unreadSourceFiles(ctx.config);
    options.onSources?.(candidates.map(({ name, origin, size, modified }) => ({ name, origin, size, modified })));
    const downloads = await ctx.workDir('bronze-inputs');
    const outcome: Record<string, Outcome> = {};
    const ignoredColumns: Record<string, string[]> = {};
    /** Files whose line ends are of both kinds: said in the summary, since silver reads them from a copy. */
    const mixedLineEnds: string[] = [];
    const quarantined: Record<string, string> = {};
    // Rows in: those of the files taken in or set aside after being read (a file received before is
    // skipped, not counted); the latter's rows wait in quarantine with the file.
    let quarantinedRows = 0;
    const setAside = (name: string, reason: string, hint?: string, records = 0) => {
      if (options.strict) throw new UserError(reason, hint);
      rowsIn += records;
      quarantinedRows += records;
      outcome[name] = 'quarantined';
      quarantined[name] = hint ? `${reason} (${hint})` : reason;
    };
    const accepted: { candidate: Candidate; spec: DatasetSpec; file: string; facts: CsvFileFacts; version: number; stat?: string; copy?: string }[] = [];
    // Content already received, per dataset: two datasets may well start from files of equal content.
    const contentKey = (dataset: string, sha256: string) => `${dataset}\n${sha256}`;
    const received = new Map(manifest.files.map((f) => [contentKey(f.dataset, f.sha256), f.name]));
    let rowsIn = 0;
    let copies = 0;
    for (const candidate of candidates) {
      const { name } = candidate;
      const spec = datasetForFile(ctx.config.project, name);
      if (!spec) {
        outcome[name] = 'ignored: matches no dataset';
        continue;
      }
      if (candidate.defect) {
        setAside(name, `${shownName(name)}: ${candidate.defect}`);
        continue;
      }
      const known = latest.get(name);
      if (candidate.origin === 'bucket' && known?.sourceModified) {
        const info = await ctx.lake.head('sources', name);
        if (info && info.size === known.size && info.modified.toISOString() === known.sourceModified) {
          outcome[name] = 'unchanged';
          continue;
        }
      }
      // A folder file with the size and modification time it had when ingested is that file: reading
      // gigabytes again to find nothing new would cost a run with nothing new as much as the first one.
      const stat = candidate.file ? await statKey(candidate.file) : undefined;
      if (stat && known?.sourceStat === stat) {
        outcome[name] = 'unchanged';
        continue;
      }
      const file = candidate.file ?? (await ctx.lake.localPath('sources', name, downloads));
      const size = (await fs.stat(file)).size;
      // On the folder driver, the lake's copy of a folder file is made while the file is read for its
      // checksum and records: the kernel copies on one core while the other hashes and counts. A 2.4 GB
      // file (50M purchases) read then copied took 5.0–9.5 s here, both at once 2.9–3.6 s. A file that is
      // not kept loses its copy. (Numbered, not named: two names that differ in case are one file on some disks.)
      const aside = candidate.file && ctx.lake.local ? copyAside(candidate.file, path.join(await ctx.workDir('bronze-copies'), String(++copies))) : undefined;
      let kept = false;
      try {
        ctx.progress.begin('bronze', `check ${name}`);
        let facts: CsvFileFacts;
        try {
          facts = await inspectCsv(file, (bytes) => ctx.progress.update({ percent: size ? (100 * bytes) / size : 100 }), spec.skipLines, spec.encoding, quotingOf(spec), spec.delimiter);
          // Its first line is a row too (`header: false`).
          if (spec.headerless) facts = { ...facts, records: facts.records + 1 };
        } catch (err) {
          if (!(err instanceof UserError) || err instanceof ServiceError) throw err;
          ctx.progress.end();
          setAside(name, err.message, err.hint);
          continue;
        }
        ctx.progress.end();
        if (known && known.sha256 === facts.sha256) {
          outcome[name] = 'unchanged';
          continue;
        }
        // A new name with the content of a file its dataset already received is that file sent again. (A known name
        // with new content is a new version, whatever else it equals: it replaces its earlier versions.)
        const twin = received.get(contentKey(spec.name, facts.sha256));
        if (twin !== undefined && twin !== name && !known) {
          outcome[name] = `unchanged: same content as ${twin}`;
          continue;
        }
        // What is kept must be the bytes counted and hashed: a file still being written (an export not
        // finished) waits for the next run, when its writer is done. (One copy at a time: it is awaited here.)
        const copy = aside ? await aside : undefined;
        if (candidate.file && stat && ((await statKey(candidate.file)) !== stat || (copy !== undefined && (await fs.stat(copy)).size !== facts.size))) {
          setAside(name, `${shownName(name)} changed while it was read (is a program still writing it?)`, 'it is read again at the next run', facts.records);
          continue;
        }
        // A file of a MySQL or PostgreSQL dataset (escape: backslash) that is not written so would lose its backslashes.
        const escaping = spec.escape || spec.backslashEscapes ? escapeProblem(name, await quoteStyle(file, spec.delimiter), spec) : undefined;
        if (escaping) {
          setAside(name, escaping.message, escaping.hint, facts.records);
          continue;
        }
        const { match, problem } = await matchedHeader(name, file, spec, facts.headerLine, facts.encoding);
        // Its header at another line than skip_lines says: read there, a data row would be the header
        // and every row one of missing values (as `check --sources` says too).
        const elsewhere = problem || match.extra.length ? await headerElsewhere(file, name, spec, facts.encoding) : undefined;
        if (elsewhere) {
          setAside(name, elsewhere, `make it like the dataset's other files, or change skip_lines in datasets/${spec.name}.yml`, facts.records);
          continue;
        }
        // Under the `fail` policies (or --strict) a file that does not match its definition stops the run
        // before anything is kept; otherwise it is kept, and silver sets it aside (missing) or reads around it (extra).
        // The way around it: without --strict (then the file waits in quarantine), or the dataset's setting.
        if (problem && (spec.onMissingColumns === 'fail' || options.strict)) throw new UserError(problem.message, `${problem.hint}; ${spec.onMissingColumns === 'fail' ? `or set on_missing_columns: quarantine_file in datasets/${spec.name}.yml` : 'or run without --strict, and the file waits in quarantine'}`);
        if (match.extra.length && spec.onExtraColumns === 'fail') {
          throw new UserError(
            `${name}: column${match.extra.length > 1 ? 's' : ''} ${match.extra.map((c) => JSON.stringify(c)).join(', ')} not declared in datasets/${spec.name}.yml (on_extra_columns: fail)`,
            `declare them (\`${DATALAKE} check --sources\` prints the lines to add), or set on_extra_columns: ignore`,
          );
        }
        // A file missing a required column waits whole: its "extra" columns may be a data line taken for a header.
        if (match.extra.length && !problem) ignoredColumns[name] = match.extra;
        received.set(contentKey(spec.name, facts.sha256), name);
        rowsIn += facts.records;
        accepted.push({ candidate, spec, file, facts, version: (known?.version ?? 0) + 1, ...(stat ? { stat } : {}), ...(copy ? { copy } : {}) });
        kept = true;
      } finally {
        if (!kept) await aside?.then((copy) => fs.rm(copy, { force: true }), () => undefined);
      }
    }

    const now = new Date();
    const ingestDate = now.toISOString().slice(0, 10);
    let seq = manifest.files.reduce((max, f) => Math.max(max, f.seq), 0);
    let rowsOut = 0;
    let bytes = 0;
    for (const { candidate, spec, file, facts, version, stat, copy } of accepted) {
      const { name } = candidate;
      // An object is never replaced: a key already taken (by a version rolled back from, or a run that
      // did not commit) gets a folder of this run.
      const usual = bronzeKey(spec.name, ingestDate, name, version);
      const key = (await ctx.lake.head('bronze', usual)) ? bronzeKey(spec.name, ingestDate, name, version, ctx.runId) : usual;
      ctx.progress.begin('bronze', `ingest ${name}`, facts.records);
      // A folder file goes into the `sources` bucket too, but only once its version commits (commit.ts).
      if (candidate.origin === 'folder') await (copy ? ctx.lake.putFile('bronze', key, copy, { move: true }) : ctx.lake.putFile('bronze', key, file));
      else await ctx.lake.copy({ bucket: 'sources', key: name }, { bucket: 'bronze', key });
      const sourceInfo = candidate.origin === 'bucket' ? await ctx.lake.head('sources', name) : undefined;
      ctx.progress.update({ rows: facts.records });
      ctx.progress.end();
      manifest.files.push({
        seq: ++seq,
        name,
        dataset: spec.name,
        version,
        key,
        sha256: facts.sha256,
        size: facts.size,
        rows: facts.records,
        longestRecord: facts.longestRecord,
        recordCount: true,
        ...(spec.skipLines ? { skipLines: spec.skipLines } : {}),
        ...(spec.escape ? { escape: spec.escape } : {}),
        ...(spec.quote ? { quote: spec.quote } : {}),
        ...(spec.headerless ? { headerless: true as const } : {}),
        ...(facts.encoding !== 'utf-8' ? { encoding: facts.encoding } : {}),
        ...(facts.mixedLineEnds ? { mixedLineEnds: true as const } : {}),
        endsWithDelimiter: { delimiter: spec.delimiter, records: facts.endsWithDelimiter },
        ...(facts.eofMark ? { eofMark: true as const } : {}),
        ingestDate,
        ingestedAt: now.toISOString(),
        runId: ctx.runId,
        origin: candidate.origin,
        ...(sourceInfo ? { sourceModified: sourceInfo.modified.toISOString() } : {}),
        // Taken before the file was read: a file written to while it was ingested is read again next time.
        ...(stat ? { sourceStat: stat } : {}),
      });
      outcome[name] = version === 1 ? 'ingested' : 'new version';
      if (facts.mixedLineEnds) mixedLineEnds.push(name);
      rowsOut += facts.records;
      bytes += facts.size;
    }
    if (accepted.length) ctx.draft.setManifest(manifest);
    const details = {
      files: outcome,
      ...(await unmatchedWarnings(ctx.config.project, candidates.filter((c) => outcome[c.name] === 'ignored: matches no dataset')).then((w) => (w.length ? { warnings: w } : {}))),
      ...(Object.keys(quarantined).length ? { quarantined } : {}),
      ...(Object.keys(ignoredColumns).length ? { ignoredColumns } : {}),
      ...(notRead.length ? { notRead } : {}),
      ...(mixedLineEnds.length ? { mixedLineEnds } : {}),
      ...(accepted.length ? {} : { skipped: 'no new or changed source file' }),
    };
    return { stage: 'bronze' as const, rowsIn, rowsOut, quarantined: quarantinedRows, bytes, details };
  });
}

/** A copy of `file` at `target`, made in the background (its failure surfaces where it is awaited). */
function copyAside(file: string, target: string): Promise<string> {
  const copy = fs.copyFile(file, target, fs.constants.COPYFILE_FICLONE).then(() => target);
  copy.catch(() => undefined); // awaited later; a failure meanwhile must not go unhandled
  return copy;
}

/** A file name as messages show it: control characters escaped. */
function shownName(name: string): string {
  return JSON.stringify(name).slice(1, -1);
}
