import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config.js';
import { describeSystemError, errorMessage, isTransient, UserError } from '../errors.js';
import { openObjectStore, type ObjectStore } from '../lake/index.js';
import { runBronze } from '../pipeline/bronze.js';
import { RunContext, silentProgress, type ProgressSink, type StageResult } from '../pipeline/context.js';
import { runGold } from '../pipeline/gold.js';
import { runPublish } from '../pipeline/publish.js';
import { runSilver } from '../pipeline/silver.js';
import { openServingStore, type ServingStore } from '../serving/index.js';
import { LakeLock, type LockOptions } from './lock.js';
import { inlineRunner, type ShardRunner } from '../pipeline/shards.js';
import { errorInfo, readRun, RunRecorder, type Attempt, type RunRecord } from './record.js';

/** The pipeline's tasks, one per medallion stage, in the order they run. */
export const TASKS = ['bronze', 'silver', 'gold', 'publish'] as const;
export type TaskName = (typeof TASKS)[number];

/** Named flows, like the seed's Prefect flows: the whole pipeline, or one stage. */
export const FLOWS = {
  pipeline: TASKS,
  bronze_ingestion_flow: ['bronze'],
  silver_ingestion_flow: ['silver'],
  gold_ingestion_flow: ['gold'],
  publish_flow: ['publish'],
} as const satisfies Record<string, readonly TaskName[]>;
export type FlowName = keyof typeof FLOWS;

export function isFlowName(name: string): name is FlowName {
  return Object.hasOwn(FLOWS, name);
}

export function flowForTasks(tasks: readonly TaskName[]): FlowName {
  const found = (Object.keys(FLOWS) as FlowName[]).find((f) => FLOWS[f].length === tasks.length && FLOWS[f].every((t, i) => tasks[i] === t));
  if (!found) throw new UserError(`no flow runs the tasks ${tasks.join(', ')}`, `flows: ${Object.keys(FLOWS).join(', ')}`);
  return found;
}

export interface FlowOptions {
  config: Config;
  flow: FlowName;
  /** Rebuild silver from every bronze file, then gold, and republish, even when nothing new arrived. */
  fullRefresh?: boolean;
  /** A source file that cannot be read fails the run, instead of waiting in quarantine alone. */
  strict?: boolean;
  trigger?: RunRecord['parameters']['trigger'];
  progress?: ProgressSink;
  /** How long to wait for another run holding the lake; 0 (default) refuses at once. */
  waitMs?: number;
  lock?: Omit<LockOptions, 'waitMs'>;
  /** Aborting cancels the run before its next task (or during a retry's wait). */
  signal?: AbortSignal;
  /**
   * Run id given by whoever queued the run (distributed mode). A record already under this id — a run
   * whose worker died — is continued: its attempts are kept and the one that was running is marked failed.
   */
  runId?: string;
  /** Called once the run holds the lake and its record exists. */
  onStart?: (record: RunRecord) => void;
  /** Where the shards of each task attempt run; in this process (default) or on the workers' task queue. */
  shards?: ShardRunnerFactory;
  /** Injected by tests; opened from the config otherwise. */
  store?: ObjectStore;
  serving?: ServingStore;
}

/**
 * Runs a flow in this process: takes the lake's lock, records the run, runs each task with retries
 * (exponential backoff) for transient failures, and records every attempt and log line. A task that
 * fails for another reason (bad data, failed quality rule, a bug) fails the run at once.
 */
export async function runFlow(options: FlowOptions): Promise<{ summary: RunRecord; error?: unknown }> {
  const { config } = options;
  const store = options.store ?? openObjectStore(config);
  const progress = options.progress ?? silentProgress;
  const ctx = new RunContext(config, store, progress, options.runId);
  const started = new Date();
  const recorder = new RunRecorder(store, {
    runId: ctx.runId,
    flow: options.flow,
    parameters: { ...(options.fullRefresh ? { fullRefresh: true } : {}), ...(options.strict ? { strict: true } : {}), trigger: options.trigger ?? 'cli' },
    state: 'running',
    startedAt: started.toISOString(),
    seconds: 0,
    lake: store.description,
    owner: LakeLock.owner(),
    tasks: [],
    stages: [],
    logs: [],
    peakRssBytes: 0,
  });
  const record = recorder.record;
  for (const t of FLOWS[options.flow]) recorder.task(t);
  let serving = options.serving;
  let lock: LakeLock | undefined;
  let error: unknown;
  let current: TaskName | undefined;
  try {
    await withRetries(config, recorder, undefined, options.signal, () => store.ensureBuckets());
    lock = await LakeLock.acquire(store, { runId: ctx.runId, flow: options.flow }, { ...options.lock, waitMs: options.waitMs ?? 0 });
    if (lock.abandoned && lock.abandoned.runId !== ctx.runId) await markAbandoned(store, recorder, lock.abandoned.runId);
    if (options.runId) await resume(store, recorder);
    const removed = await removeDeadScratch(config.scratchDir, store, ctx.runId);
    if (removed.length) recorder.log('info', `removed the scratch space of ${removed.length} run(s) or process(es) no longer alive: ${removed.join(', ')}`);
    recorder.log('info', `${options.flow} started by ${record.owner} on ${store.description}`);
    await recorder.save();
    options.onStart?.(record);
    const force = options.fullRefresh === true;
    for (const name of FLOWS[options.flow]) {
      if (options.signal?.aborted) throw new CancelledError();
      current = name;
      const result = await withRetries(config, recorder, name, options.signal, async (attempt) => {
        const shards = (options.shards ?? inlineShards)(ctx, recorder, name, attempt);
        if (name === 'bronze') return runBronze(ctx, { strict: options.strict === true });
        if (name === 'silver') return runSilver(ctx, { fullRefresh: force, shards });
        if (name === 'gold') return runGold(ctx, { force, shards });
        serving ??= openServingStore(config);
        return runPublish(ctx, serving, { force });
      });
      record.stages.push(result);
      const skipped = typeof result.details['skipped'] === 'string' ? (result.details['skipped'] as string) : undefined;
      recorder.task(name).state = skipped ? 'skipped' : 'completed';
      recorder.log('info', skipped ? `skipped: ${skipped}` : `completed in ${result.seconds.toFixed(2)} s: ${result.rowsOut} rows out, ${result.quarantined} quarantined`, name);
      await recorder.save();
    }
    current = undefined;
  } catch (err) {
    error = describeSystemError(err);
  } finally {
    await ctx.close().catch(() => undefined);
    if (serving && !options.serving) await serving.close().catch(() => undefined);
  }

  const ended = new Date();
  record.endedAt = ended.toISOString();
  record.seconds = (ended.getTime() - started.getTime()) / 1000;
  if (error instanceof CancelledError) {
    record.state = 'cancelled';
    for (const t of record.tasks) if (t.state === 'pending' || t.state === 'running') t.state = 'cancelled';
    recorder.log('warn', 'cancelled');
    error = undefined;
  } else if (error) {
    record.state = 'failed';
    record.error = { ...errorInfo(error), ...(current ? { stage: current, task: current } : {}) };
    if (current) recorder.task(current).state = 'failed';
    recorder.log('error', errorMessage(error), current);
  } else {
    record.state = 'completed';
    recorder.log('info', `completed in ${record.seconds.toFixed(2)} s`);
  }
  // A run refused for a busy lake never held it: it leaves no record, only its message.
  if (lock) {
    await recorder.save();
    await lock.release();
  }
  return error === undefined ? { summary: record } : { summary: record, error };
}

/** Builds the shard runner of one attempt of a task (see pipeline/shards.ts). */
export type ShardRunnerFactory = (ctx: RunContext, recorder: RunRecorder, task: TaskName, attempt: number) => ShardRunner;

/** Shards in this process, one after the other, each recorded as a task with its attempt. */
const inlineShards: ShardRunnerFactory = (ctx, recorder, task) => {
  const inline = inlineRunner(ctx);
  return {
    async map(kind, shards, handler) {
      const outputs = [];
      for (const shard of shards) {
        const record = recorder.shard(task, shard.label);
        const attempt: Attempt = { attempt: record.attempts.length + 1, startedAt: new Date().toISOString(), state: 'running' };
        record.state = 'running';
        record.attempts.push(attempt);
        await recorder.save();
        try {
          const [output] = await inline.map(kind, [shard], handler);
          Object.assign(attempt, { state: 'completed', ...shardRows(output) });
          record.state = 'completed';
          outputs.push(output!);
        } catch (err) {
          Object.assign(attempt, { state: 'failed', error: errorMessage(err) });
          record.state = 'failed';
          throw err;
        } finally {
          attempt.endedAt = new Date().toISOString();
          attempt.seconds = (Date.parse(attempt.endedAt) - Date.parse(attempt.startedAt)) / 1000;
        }
      }
      return outputs;
    },
  };
};

/** A shard's output row count, for its record, when it has one. */
export function shardRows(output: unknown): { rows?: number } {
  const rows = (output as { rows?: unknown } | undefined)?.rows;
  return typeof rows === 'number' ? { rows } : {};
}

class CancelledError extends Error {
  constructor() {
    super('cancelled');
  }
}

/** Runs one attempt after another while the failure is transient, waiting delayMs, then 2×, 4×... */
async function withRetries<T extends StageResult | void>(
  config: Config,
  recorder: RunRecorder,
  task: TaskName | undefined,
  signal: AbortSignal | undefined,
  fn: (attempt: number) => Promise<T>,
): Promise<T> {
  const record = task ? recorder.task(task) : undefined;
  for (let attempt = 1; ; attempt++) {
    const start = new Date();
    // Numbered on from the attempts of a resumed run, so that a shard job id is never reused.
    const entry = record ? { attempt: record.attempts.length + 1, startedAt: start.toISOString(), state: 'running' as const } : undefined;
    if (record && entry) {
      record.state = 'running';
      record.attempts.push(entry);
      await recorder.save();
    }
    try {
      const result = await fn(entry?.attempt ?? attempt);
      if (record) {
        Object.assign(record.attempts.at(-1)!, {
          state: 'completed',
          endedAt: new Date().toISOString(),
          seconds: (Date.now() - start.getTime()) / 1000,
          ...(result ? { rows: result.rowsOut, bytes: result.bytes } : {}),
        });
      }
      return result;
    } catch (err) {
      const retry = isTransient(err) && attempt <= config.retry.retries && !signal?.aborted;
      if (record) {
        Object.assign(record.attempts.at(-1)!, {
          state: 'failed',
          endedAt: new Date().toISOString(),
          seconds: (Date.now() - start.getTime()) / 1000,
          error: errorMessage(err),
          ...(retry ? { retried: true } : {}),
        });
      }
      if (!retry) throw err;
      const delay = config.retry.delayMs * 2 ** (attempt - 1);
      recorder.log('warn', `attempt ${attempt} failed: ${errorMessage(err)}; retrying in ${(delay / 1000).toFixed(1)} s`, task);
      await recorder.save();
      try {
        await sleep(delay, undefined, signal ? { signal } : {});
      } catch {
        throw new CancelledError();
      }
    }
  }
}

/** Continues the record of a run queued (or started by a worker that died) under the same id. */
async function resume(store: ObjectStore, recorder: RunRecorder): Promise<void> {
  const earlier = await readRun(store, recorder.record.runId).catch(() => undefined);
  if (!earlier || earlier.state !== 'running') return;
  const now = new Date().toISOString();
  for (const t of earlier.tasks) {
    for (const a of t.attempts) {
      if (a.state !== 'running') continue;
      Object.assign(a, { state: 'failed', endedAt: now, error: `interrupted: ${earlier.owner} stopped during this attempt` });
    }
    const mine = recorder.task(t.name);
    mine.attempts = t.attempts;
  }
  recorder.record.logs.unshift(...earlier.logs);
  recorder.log('warn', `resumed by ${recorder.record.owner}: ${earlier.owner} stopped during the run`);
}

/**
 * Scratch folders of runs that died (kill -9) are never removed by their run. The run holding the lake
 * lock knows that no other run of this lake is alive: it removes the folders of the runs this lake
 * recorded (and their shards'), and those of servers and `verify`s whose process is gone. Folders of
 * runs unknown to this lake (another lake sharing DATA_DIR) are left alone.
 */
async function removeDeadScratch(scratchDir: string, store: ObjectStore, current: string): Promise<string[]> {
  const entries = await fs.readdir(scratchDir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const entry of entries) {
    if (entry.startsWith(current)) continue;
    const pid = /^(?:server|verify)-(\d+)$/.exec(entry)?.[1];
    const runId = /^(\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{6})(?:-shard-.*)?$/.exec(entry)?.[1];
    const dead = pid ? !processAlive(Number(pid)) : runId ? (await readRun(store, runId).catch(() => undefined)) !== undefined : false;
    if (!dead) continue;
    await fs.rm(path.join(scratchDir, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The run that died holding the lock is still marked running: it is marked failed, saying why. */
async function markAbandoned(store: ObjectStore, recorder: RunRecorder, runId: string): Promise<void> {
  const dead = await readRun(store, runId).catch(() => undefined);
  recorder.log('warn', `took over the lake from run ${runId}, whose process stopped without releasing it`);
  if (!dead || dead.state !== 'running') return;
  dead.state = 'failed';
  dead.endedAt = new Date().toISOString();
  dead.error = { message: 'interrupted: the process stopped during the run (its lock expired)' };
  for (const t of dead.tasks) if (t.state === 'running' || t.state === 'pending') t.state = t.state === 'running' ? 'failed' : 'cancelled';
  await new RunRecorder(store, dead).save();
}
