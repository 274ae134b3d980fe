import { errorMessage, UserError } from '../errors.js';
import type { ObjectStore } from '../lake/index.js';
import type { StageResult } from '../pipeline/context.js';

/**
 * The durable record of a run, `runs/<run id>.json` in the lake (so it works the same on a folder and on
 * S3). It is rewritten at every change of state: a reader sees where a run is while it runs, and a
 * crashed run is left `running` until the next run finds its lock expired and marks it failed.
 */
export type RunState = 'scheduled' | 'running' | 'completed' | 'failed' | 'cancelled';
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

export interface RunRecord {
  runId: string;
  flow: string;
  parameters: { fullRefresh?: boolean; strict?: boolean; trigger?: 'cli' | 'api' | 'schedule' };
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
}

export const runKey = (runId: string) => `${runId}.json`;
/** Keys of the runs bucket that are not run records (the lock, the schedules). */
const isRecordKey = (key: string) => key.endsWith('.json') && !key.startsWith('_');

export function errorInfo(err: unknown): { message: string; hint?: string } {
  return { message: errorMessage(err), ...(err instanceof UserError && err.hint ? { hint: err.hint } : {}) };
}

/** Keeps a run's record and writes it to the lake after each change. */
export class RunRecorder {
  constructor(
    private readonly store: ObjectStore,
    readonly record: RunRecord,
  ) {}

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

  /** Writes the record. A lake that cannot be written (the failure being reported) must not hide the run's outcome. */
  async save(): Promise<void> {
    this.record.peakRssBytes = process.resourceUsage().maxRSS * 1024;
    try {
      await this.store.putBytes('runs', runKey(this.record.runId), JSON.stringify(this.record, null, 2));
    } catch {
      // reported to the caller through the run's result
    }
  }
}

/**
 * Past runs, newest first. Run ids start with their UTC start time, so the newest are the last keys:
 * only the records asked for are read, however long the history.
 */
export async function* newestRuns(store: ObjectStore): AsyncGenerator<RunRecord> {
  const keys = (await store.list('runs')).map((o) => o.key).filter(isRecordKey);
  for (const key of keys.sort().reverse()) {
    const bytes = await store.getBytes('runs', key);
    if (bytes) yield JSON.parse(bytes.toString('utf8')) as RunRecord;
  }
}

export async function listRuns(store: ObjectStore, limit = Infinity): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  for await (const run of newestRuns(store)) {
    if (runs.length >= limit) break;
    runs.push(run);
  }
  return runs;
}

export async function readRun(store: ObjectStore, runId: string): Promise<RunRecord | undefined> {
  const bytes = await store.getBytes('runs', runKey(runId));
  return bytes ? (JSON.parse(bytes.toString('utf8')) as RunRecord) : undefined;
}
