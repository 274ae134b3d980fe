import { errorMessage, UserError } from '../errors.js';
import { failpoint } from '../failpoints.js';
import { isRunRecordKey, readJson, runRecord, writeJson, type ObjectStore } from '../lake/index.js';
import type { AlertDelivery } from '../ops/alerts.js';
import type { StageResult } from '../pipeline/context.js';

/**
 * The durable record of a run, `runs/<run id>.json` in the lake (so it works the same on a folder and on
 * S3). It is rewritten at every change of state: a reader sees where a run is while it runs, and a
 * crashed run is left `running` until the next run finds its lock expired and marks it failed.
 */
export type RunState = 'scheduled' | 'running' | 'completed' | 'failed' | 'audit_failed' | 'cancelled';
export type TaskState = 'pending' | 'running' | 'completed' | 'failed' | 'skipped' | 'cancelled';

export interface Attempt {
  attempt: number;
  startedAt: string;
  endedAt?: string;
  seconds?: number;
  state: 'running' | 'completed' | 'failed';
  rows?: number;
  bytes?: number;
  error?: string;
  /** The failure was transient (network, S3 5xx, serving store down) and the task was retried. */
  retried?: boolean;
  /** The worker that ran a shard, in distributed mode. */
  worker?: string;
}

export interface TaskRecord {
  name: string;
  /** For a shard (one file's cleaning, one month of gold): the task it is part of. */
  parent?: string;
  state: TaskState;
  attempts: Attempt[];
}

export interface LogLine {
  time: string;
  level: 'info' | 'warn' | 'error';
  task?: string;
  message: string;
}

export interface RunParameters {
  fullRefresh?: boolean;
  strict?: boolean;
  trigger?: 'cli' | 'api' | 'schedule';
  /** The vacuum flow's settings (defaults: maintenance/vacuum.ts); `olderThan` as written: `30d`. */
  vacuum?: { keepVersions?: number; olderThan?: string; bronze?: boolean; dryRun?: boolean };
  /** The compact flow: only this dataset. */
  dataset?: string;
}

export interface RunRecord {
  runId: string;
  flow: string;
  parameters: RunParameters;
  state: RunState;
  startedAt: string;
  endedAt?: string;
  seconds: number;
  lake: string;
  /** Who ran it: host and process id. */
  owner: string;
  tasks: TaskRecord[];
  /** Each completed task's result (rows in/out, quarantined, bytes, details), in order. */
  stages: StageResult[];
  logs: LogLine[];
  /** Peak resident memory of the process so far (DuckDB's native memory included). */
  peakRssBytes: number;
  error?: { message: string; hint?: string; stage?: string; task?: string };
  /** The checks that failed the audit of an `audit_failed` run; `approved` once it was committed anyway. */
  audit?: { table: string; check: string; detail: string }[];
  approved?: { by: string; at: string; version: number };
  /** The alerts its end sent (ALERT_WEBHOOK_URL), each once delivered or given up: added after the run ended. */
  alerts?: AlertDelivery[];
  /** Each resume of the run (`datalake run --resume`), oldest first. */
  resumes?: ResumeEntry[];
}

/** One resume of a failed or cancelled run: who asked, when it started and from which task, or why it was refused. */
export interface ResumeEntry {
  requestedAt: string;
  by: string;
  trigger: 'cli' | 'api';
  /** The state the run was in when the resume was asked for. */
  previousState: 'failed' | 'cancelled';
  /** When it started (a queued resume waits for a worker until then). */
  startedAt?: string;
  /** The first task run again; the tasks before it were reused. */
  from?: string;
  reused?: string[];
  /** A queued resume the worker refused (the run's inputs changed meanwhile): the run is back in its previous state. */
  refused?: { message: string; hint?: string };
}

/** A new record: every task of the flow pending. */
export function newRunRecord(fields: Pick<RunRecord, 'runId' | 'flow' | 'state' | 'lake' | 'owner'> & { tasks: readonly string[]; options: RunParameters }): RunRecord {
  const { options, tasks, ...rest } = fields;
  return {
    ...rest,
    parameters: {
      ...(options.fullRefresh ? { fullRefresh: true } : {}),
      ...(options.strict ? { strict: true } : {}),
      ...(options.vacuum ? { vacuum: options.vacuum } : {}),
      ...(options.dataset ? { dataset: options.dataset } : {}),
      trigger: options.trigger ?? 'cli',
    },
    startedAt: new Date().toISOString(),
    seconds: 0,
    tasks: tasks.map((name) => ({ name, state: 'pending', attempts: [] })),
    stages: [],
    logs: [],
    peakRssBytes: 0,
  };
}

export function errorInfo(err: unknown): { message: string; hint?: string } {
  return { message: errorMessage(err), ...(err instanceof UserError && err.hint ? { hint: err.hint } : {}) };
}

/**
 * Whether a run's record is in the lake as the run ended, for its summary, which must not point at a
 * record that is not there: written, never written, or left as an earlier save wrote it.
 */
export type RecordOutcome = { written: true; stale?: string } | { written: false; reason: string };

/** Keeps a run's record and writes it to the lake after each change. */
export class RunRecorder {
  /** Whether a save ever succeeded, and why the last one failed (cleared by a save that succeeds). */
  private saved = false;
  private saveError: string | undefined;

  constructor(
    private readonly lake: ObjectStore,
    readonly record: RunRecord,
  ) {}

  /** Where the record stands after the saves so far; `unsaved`: why nothing was saved when none was tried. */
  outcome(unsaved = 'the run ended before it wrote it'): RecordOutcome {
    if (!this.saved) return { written: false, reason: this.saveError ?? unsaved };
    return this.saveError ? { written: true, stale: this.saveError } : { written: true };
  }

  log(level: LogLine['level'], message: string, task?: string): void {
    this.record.logs.push({ time: new Date().toISOString(), level, ...(task ? { task } : {}), message });
  }

  task(name: string): TaskRecord {
    let t = this.record.tasks.find((x) => x.name === name);
    if (!t) {
      t = { name, state: 'pending', attempts: [] };
      this.record.tasks.push(t);
    }
    return t;
  }

  /** A shard of a task: recorded as a task of its own, `silver: clean achats/…/achats.csv`, after its parent. */
  shard(parent: string, label: string): TaskRecord {
    const name = `${parent}: ${label}`;
    let t = this.record.tasks.find((x) => x.name === name);
    if (!t) {
      t = { name, parent, state: 'pending', attempts: [] };
      const siblings = this.record.tasks.map((x, i) => (x.name === parent || x.parent === parent ? i : -1)).filter((i) => i >= 0);
      this.record.tasks.splice((siblings.at(-1) ?? this.record.tasks.length - 1) + 1, 0, t);
    }
    return t;
  }

  /** Starts an attempt of a task (or shard), numbered on from its earlier ones, so that a shard job id is never reused. */
  openAttempt(task: TaskRecord, fields: Partial<Attempt> = {}): Attempt {
    const attempt: Attempt = { attempt: task.attempts.length + 1, startedAt: new Date().toISOString(), state: 'running', ...fields };
    task.state = 'running';
    task.attempts.push(attempt);
    return attempt;
  }

  /** Ends an attempt: its state and facts, when it ended and how long it took. */
  closeAttempt(attempt: Attempt, fields: Partial<Attempt> & Pick<Attempt, 'state'>, endedAt = Date.now()): void {
    Object.assign(attempt, fields, { endedAt: new Date(endedAt).toISOString(), seconds: (endedAt - Date.parse(attempt.startedAt)) / 1000 });
  }

  /** Writes the record. A lake that cannot be written (the failure being reported) must not hide the run's outcome. */
  async save(): Promise<void> {
    this.record.peakRssBytes = process.resourceUsage().maxRSS * 1024;
    try {
      failpoint('record:save');
      await writeJson(this.lake, runRecord(this.record.runId), this.record);
      this.saved = true;
      this.saveError = undefined;
    } catch (err) {
      // Reported to the caller through outcome(): the run's summary says the record is missing or stale.
      this.saveError = errorMessage(err).split('\n')[0];
    }
  }
}

/**
 * Past runs, newest first. Run ids start with their UTC start time, so the newest are the last keys:
 * only the records asked for are read, however long the history.
 */
export async function* newestRuns(lake: ObjectStore): AsyncGenerator<RunRecord> {
  const keys = (await lake.list('runs')).map((o) => o.key).filter(isRunRecordKey);
  for (const key of keys.sort().reverse()) {
    const record = await readJson<RunRecord>(lake, { bucket: 'runs', key });
    if (record) yield record;
  }
}

export async function listRuns(lake: ObjectStore, limit = Infinity): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  for await (const run of newestRuns(lake)) {
    if (runs.length >= limit) break;
    runs.push(run);
  }
  return runs;
}

export async function readRun(lake: ObjectStore, runId: string): Promise<RunRecord | undefined> {
  return readJson<RunRecord>(lake, runRecord(runId));
}
