import type { DatasetSpec } from '../../project/types.js';
import type { BronzeFile } from '../bronze.js';
import type { CleaningStats, QualityCheck } from '../cleaning.js';
import type { Cover } from '../covering.js';

/** Per dataset: the cleaning counts of its new files, and what the merge did. */
export interface SilverDatasetStats extends CleaningStats {
  files: string[];
  replaced: number;
  /** Rows of this run's files replaced by a later file of the same run (the same key; without a key, a file covering theirs): counted, not merged. */
  superseded: number;
  /** Rows of this run's files (without a key) that another file gives already: counted, not added again. */
  alreadyLoaded: number;
  /** New files (without a key) covering an earlier file: its rows withdrawn (those of a file of this run counted as superseded). */
  covers?: Cover[];
  promoted: number;
  /** Rows in silver after the run. */
  rows: number;
  /** Rows waiting for their reference, after the run. */
  unresolved: number;
  /** Partitions rewritten whole (a row of theirs replaced), and those that received new rows as a file of their own. */
  partitionsWritten: string[];
  partitionsAppended?: string[];
  /** The dataset's first load, from one clean file, was read and written to silver in one pass (silver/one-pass.ts). */
  onePass?: true;
  /** Files set aside whole, with the reason (a required column missing). */
  waitingFiles: { file: string; reason: string }[];
  /** Optional columns a file did not have (read as missing values), per file. */
  missingColumns: Record<string, string[]>;
  /** Files none of whose lines was read as a row, every one quarantined as a malformed line: read from the wrong line, or split wrongly. */
  unreadFiles?: string[];
}

export function emptyStats(spec: DatasetSpec, files: BronzeFile[]): SilverDatasetStats {
  return {
    dataset: spec.name,
    files: files.map((f) => f.key),
    rowsIn: 0,
    rowsOut: 0,
    quarantined: 0,
    emptyRows: 0,
    exactDuplicates: 0,
    reasons: {},
    replaced: 0,
    superseded: 0,
    alreadyLoaded: 0,
    promoted: 0,
    rows: 0,
    unresolved: 0,
    partitionsWritten: [],
    waitingFiles: [],
    missingColumns: {},
  };
}

/** Whether a file's lines were all malformed (none a row): its header is not where its definition reads it, most often. */
export function everyLineMalformed(s: CleaningStats): boolean {
  const malformed = Object.entries(s.reasons).filter(([reason]) => reason.startsWith('malformed_line:')).reduce((n, [, count]) => n + count, 0);
  return s.rowsOut === 0 && malformed > 0 && malformed === s.quarantined;
}

export function addCleaning(into: SilverDatasetStats, s: CleaningStats): void {
  into.rowsIn += s.rowsIn;
  into.quarantined += s.quarantined;
  into.emptyRows += s.emptyRows;
  into.exactDuplicates += s.exactDuplicates;
  for (const [reason, n] of Object.entries(s.reasons)) into.reasons[reason] = (into.reasons[reason] ?? 0) + n;
  if (s.backslashQuotes) into.backslashQuotes = (into.backslashQuotes ?? 0) + s.backslashQuotes;
  if (s.literalQuotes) into.literalQuotes = (into.literalQuotes ?? 0) + s.literalQuotes;
  if (s.thousandsCommas) into.thousandsCommas = (into.thousandsCommas ?? 0) + s.thousandsCommas;
  if (s.thousandsSpaces) into.thousandsSpaces = (into.thousandsSpaces ?? 0) + s.thousandsSpaces;
  for (const [c, n] of Object.entries(s.flaggedFigures ?? {})) into.flaggedFigures = { ...into.flaggedFigures, [c]: (into.flaggedFigures?.[c] ?? 0) + n };
}

/** One line per dataset, rule and column: the counts of every file added up, the first examples kept. */
export function mergeChecks(checks: QualityCheck[]): QualityCheck[] {
  const byRule = new Map<string, QualityCheck>();
  for (const q of checks) {
    const k = `${q.dataset}|${q.rule}|${q.column ?? ''}`;
    const seen = byRule.get(k);
    if (!seen) byRule.set(k, { ...q, examples: [...q.examples] });
    else {
      seen.checked += q.checked;
      seen.failed += q.failed;
      seen.examples = [...seen.examples, ...q.examples].slice(0, 3);
    }
  }
  return [...byRule.values()];
}
