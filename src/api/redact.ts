import type { RunRecord } from '../flows/record.js';
import { datasetForFile } from '../project/globs.js';
import type { Project } from '../project/types.js';
import { SOURCE_EXTENSIONS } from '../lake/keys.js';
import { noLocalPaths } from '../errors.js';

export const MASK = '***';

/**
 * A run record as the API serves it to anyone, admins included: no server path in what it says went
 * wrong (an unexpected error quotes the files it read, DuckDB's a scratch file's path). The record in
 * the lake keeps them, for `datalake runs` on the server.
 */
export function runWithoutPaths(record: RunRecord): RunRecord {
  const error = record.error && { ...record.error, message: noLocalPaths(record.error.message), ...(record.error.hint ? { hint: noLocalPaths(record.error.hint) } : {}) };
  return {
    ...record,
    ...(error ? { error } : {}),
    tasks: record.tasks.map((t) => ({ ...t, attempts: t.attempts.map((a) => (a.error ? { ...a, error: noLocalPaths(a.error) } : a)) })),
    logs: record.logs.map((l) => (l.level === 'info' ? l : { ...l, message: noLocalPaths(l.message) })),
    ...(record.resumes ? { resumes: record.resumes.map((r) => (r.refused ? { ...r, refused: { ...r.refused, message: noLocalPaths(r.refused.message) } } : r)) } : {}),
  };
}

/** Columns kept as they are in a quarantine preview: where the row came from and why it is there. */
const QUARANTINE_CONTEXT = new Set(['_source_file', '_record', '_line', '_reason']);

/**
 * Personal data out of what non-admins see. A message or a quality example quotes raw source text
 * (`date_inscription "eve@x.org" is not a valid date`, `(the header has: 1,Eve,eve@x.org,...)`); where
 * it comes from a dataset with a personal column, the quoted fragment is redacted whole, since a value
 * in the wrong column (swapped columns, a headerless file) is personal data in any column.
 */
export class Redactor {
  private readonly personal: Set<string>;

  constructor(private readonly project: Project) {
    this.personal = new Set(project.datasets.filter((d) => Object.values(d.columns).some((c) => c.personal)).map((d) => d.name));
  }

  /** Whether text about this dataset may quote personal data; unknown: whether any dataset has some. */
  private sensitive(dataset: string | undefined): boolean {
    return dataset === undefined ? this.personal.size > 0 : this.personal.has(dataset);
  }

  /** The dataset a message is about, from the file it names first (`clients_2.csv: missing column ...`). */
  private datasetOf(message: string): string | undefined {
    const file = new RegExp(`([^\\s/:"]+\\.(?:${SOURCE_EXTENSIONS.join('|')}))\\b`, 'i').exec(message)?.[1];
    return file ? datasetForFile(this.project, file)?.name : undefined;
  }

  text(message: string, dataset = this.datasetOf(message)): string {
    if (!this.sensitive(dataset)) return message;
    return message.replace(/"(?:[^"\\]|\\.)*"/g, `"${MASK}"`).replace(/\(the header has: .*?\)(?=(?: \(|$|;))/g, `(the header has: ${MASK})`);
  }

  /** A run record as a non-admin may see it. */
  run(record: RunRecord): RunRecord {
    const copy = structuredClone(record);
    if (copy.error) copy.error = { ...copy.error, message: this.text(copy.error.message), ...(copy.error.hint ? { hint: this.text(copy.error.hint) } : {}) };
    copy.logs = copy.logs.map((l) => ({ ...l, message: this.text(l.message) }));
    for (const t of copy.tasks) for (const a of t.attempts) if (a.error) a.error = this.text(a.error);
    for (const stage of copy.stages) {
      const d = stage.details as Record<string, unknown>;
      if (Array.isArray(d['quality'])) d['quality'] = this.checks(d['quality'] as Check[]);
      if (d['datasets']) d['datasets'] = this.datasetStats(d['datasets'] as Record<string, DatasetStats>);
      if (d['quarantined']) d['quarantined'] = Object.fromEntries(Object.entries(d['quarantined'] as Record<string, string>).map(([f, r]) => [f, this.text(r)]));
      if (Array.isArray(d['stillWaiting'])) d['stillWaiting'] = (d['stillWaiting'] as { dataset: string; reason: string }[]).map((w) => ({ ...w, reason: this.text(w.reason, w.dataset) }));
    }
    return copy;
  }

  checks<C extends Check>(checks: C[]): C[] {
    return checks.map((c) =>
      this.sensitive(c.dataset)
        ? { ...c, examples: c.examples.map((e) => ({ ...e, value: e.value === null ? null : MASK, detail: e.detail === null ? null : this.text(e.detail, c.dataset) })) }
        : c,
    );
  }

  datasetStats<S extends DatasetStats>(stats: Record<string, S>): Record<string, S> {
    return Object.fromEntries(
      Object.entries(stats).map(([name, s]) => [name, { ...s, waitingFiles: (s.waitingFiles ?? []).map((w) => ({ ...w, reason: this.text(w.reason, name) })) }]),
    );
  }

  /**
   * Columns a non-admin sees masked in a preview or download of `bucket/key`: the declared personal
   * ones (matched by `isPersonal`), and in a quarantine object of a dataset with personal data, every
   * value (the raw text of a rejected row may sit in any column).
   */
  maskAll(bucket: string, key: string): boolean {
    const m = /^quarantine\/([^/]+)\//.exec(key);
    return bucket === 'silver' && m !== null && this.personal.has(m[1]!);
  }

  /**
   * Whether the raw text of a quarantine object's malformed lines may be shown: the object is of a
   * dataset of the project without personal columns. Not when its dataset is unknown (renamed since
   * the file came in): its lines may hold any value.
   */
  rawLinesShown(bucket: string, key: string): boolean {
    const m = /^quarantine\/([^/]+)\//.exec(key);
    return bucket === 'silver' && m !== null && this.project.datasets.some((d) => d.name === m[1]) && !this.personal.has(m[1]!);
  }

  static keepsInQuarantine(column: string): boolean {
    return QUARANTINE_CONTEXT.has(column);
  }
}

interface Check {
  dataset: string;
  examples: { record: number | null; value: string | null; detail: string | null }[];
}

interface DatasetStats {
  waitingFiles?: { file: string; reason: string }[];
}
