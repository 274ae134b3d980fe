import { createHash } from 'node:crypto';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { redactUrl, type Config } from '../config.js';
import { errorMessage, isTransient, UserError } from '../errors.js';
import { openObjectStore, type Bucket, type ObjectStore } from '../lake/index.js';
import { newRunId, RunContext, silentProgress } from '../pipeline/context.js';
import { goldPartitionShard } from '../pipeline/gold.js';
import { stagingPrefix, type ShardHandler, type ShardKind } from '../pipeline/shards.js';
import { cleanShard } from '../pipeline/silver.js';
import { FLOWS, runFlow, shardRows, type FlowName, type ShardRunnerFactory } from './flows.js';
import { listSchedules } from './schedule.js';
import { readRun, RunRecorder, type Attempt, type RunRecord, type TaskRecord } from './record.js';

/**
 * Distributed mode (REDIS_URL set): runs are jobs of a BullMQ queue on Redis, executed by any number of
 * `datalake worker` processes on machines that share the lake. The queue lets one run at a time go
 * (global concurrency 1) and the lake lock guards the lake as in-process; a worker killed mid-run
 * stops renewing its job lock, BullMQ's stalled-job check hands the job to another worker, and that
 * worker continues the same run record (its tasks are idempotent, so the run ends as if uninterrupted).
 */
export const RUNS_QUEUE = 'datalake-runs';
/**
 * The shards of the running run's tasks (one bronze file's cleaning, one month of gold), taken by every
 * worker in parallel, the worker running the run included. Each is retried with backoff when it fails
 * transiently, and taken over by another worker when its worker dies (BullMQ's stalled-job check).
 */
export const TASKS_QUEUE = 'datalake-tasks';

/** The queues of a project: the shop's are the names above, another project's are prefixed with its name. */
export const runsQueue = (config: Config) => `${config.names.queuePrefix}${RUNS_QUEUE}`;
export const tasksQueue = (config: Config) => `${config.names.queuePrefix}${TASKS_QUEUE}`;

export interface ShardJob {
  runId: string;
  kind: ShardKind;
  label: string;
  input: unknown;
  /** Where the shard stages its output files. */
  bucket: Bucket;
  staging: string;
}

const SHARD_HANDLERS: Record<ShardKind, ShardHandler<never, unknown>> = {
  'silver.clean': cleanShard,
  'gold.partition': goldPartitionShard,
};
/** Separates a failed shard's message from its hint in BullMQ's failedReason. */
const HINT = '\nhint: ';

export interface RunJob {
  /** Set by whoever queued the run; a scheduled firing gets one from its job (see runIdOf). */
  runId?: string;
  flow: FlowName;
  fullRefresh: boolean;
  strict?: boolean;
  trigger: RunRecord['parameters']['trigger'];
}

/**
 * Connection options rather than a client, so that BullMQ opens its connections and closes them with
 * the queue or worker. Workers need maxRetriesPerRequest null: a blocked command waits for Redis.
 */
/** How often a worker tries Redis again once it is lost. */
export const REDIS_RETRY_MS = 2000;

export function redisConnection(url: string): { url: string; maxRetriesPerRequest: null; retryStrategy: (times: number) => number } {
  return { url, maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(times * 200, REDIS_RETRY_MS) };
}

/** Queues a run and writes its record as `scheduled`, so that it can be followed before a worker takes it. */
export async function submitRun(
  config: Config,
  job: Omit<RunJob, 'runId'>,
  store: ObjectStore = openObjectStore(config),
): Promise<string> {
  const runId = newRunId();
  await store.ensureBuckets();
  const record: RunRecord = {
    runId,
    flow: job.flow,
    parameters: { ...(job.fullRefresh ? { fullRefresh: true } : {}), ...(job.strict ? { strict: true } : {}), trigger: job.trigger ?? 'cli' },
    state: 'scheduled',
    startedAt: new Date().toISOString(),
    seconds: 0,
    lake: store.description,
    owner: `queued by pid ${process.pid} on ${os.hostname()}`,
    tasks: FLOWS[job.flow].map((name) => ({ name, state: 'pending', attempts: [] })),
    stages: [],
    logs: [{ time: new Date().toISOString(), level: 'info', message: `queued on ${runsQueue(config)}` }],
    peakRssBytes: 0,
  };
  await new RunRecorder(store, record).save();
  const queue = new Queue<RunJob>(runsQueue(config), { connection: redisConnection(requireRedis(config)) });
  try {
    await queue.setGlobalConcurrency(1);
    await queue.add(job.flow, { ...job, runId }, { jobId: runId, attempts: 1, removeOnComplete: 1000, removeOnFail: 1000 });
  } catch (err) {
    throw new UserError(`cannot queue the run on Redis: ${errorMessage(err)}`, 'check REDIS_URL and that Redis is running (`npx datalake doctor`)');
  } finally {
    await queue.close();
  }
  return runId;
}

/** How many workers are connected to the run queue now. */
export async function connectedWorkers(config: Config): Promise<number> {
  const queue = new Queue<RunJob>(runsQueue(config), { connection: redisConnection(requireRedis(config)) });
  try {
    return await queue.getWorkersCount();
  } finally {
    await queue.close();
  }
}

/**
 * Follows a queued run until it ends, through its record in the lake; `onChange` sees each new
 * state of the record. Resolves with the final record.
 */
export async function followRun(store: ObjectStore, runId: string, onChange: (record: RunRecord) => void, pollMs = 250): Promise<RunRecord> {
  let last = '';
  for (;;) {
    const record = await readRun(store, runId);
    if (record) {
      const fingerprint = JSON.stringify([record.state, record.tasks]);
      if (fingerprint !== last) {
        last = fingerprint;
        onChange(record);
      }
      if (record.state === 'completed' || record.state === 'failed' || record.state === 'cancelled') return record;
    }
    await sleep(pollMs);
  }
}

/**
 * The shards of one task attempt go on the task queue; the run's worker follows them there, records
 * each attempt (which worker, how long, why it failed) in the run record, and returns their outputs.
 */
export function queueShards(queue: Queue<ShardJob>, config: Config, pollMs = 200): ShardRunnerFactory {
  return (ctx, recorder, task, attempt) => ({
    async map(kind, shards) {
      const bucket: Bucket = task === 'gold' ? 'gold' : 'silver';
      const ids = shards.map((_, i) => `${ctx.runId}.${task}.${attempt}.${i}`);
      await queue.addBulk(
        shards.map((s, i) => ({
          name: `${kind} ${s.label}`,
          data: { runId: ctx.runId, kind, label: s.label, input: s.input, bucket, staging: stagingPrefix(ctx.runId, attempt, kind, i) },
          opts: {
            jobId: ids[i]!,
            attempts: config.retry.retries + 1,
            backoff: { type: 'exponential', delay: config.retry.delayMs },
            removeOnComplete: { age: 7 * 86_400 },
            removeOnFail: { age: 7 * 86_400 },
          },
        })),
      );
      const follow = shards.map((s) => ({ record: recorder.shard(task, s.label), started: 0, failures: 0, done: false, output: undefined as unknown }));
      try {
        while (follow.some((f) => !f.done)) {
          let changed = false;
          for (const [i, f] of follow.entries()) {
            if (f.done) continue;
            // The state first: a job read after it is at least as recent (a completed job has its output).
            const state = await queue.getJobState(ids[i]!);
            const job = await Job.fromId<ShardJob>(queue, ids[i]!);
            if (!job || state === 'unknown') throw new Error(`shard job ${ids[i]} vanished from the queue`);
            changed = observeShard(f, job, state) || changed;
            if (state === 'failed') {
              const [message, hint] = job.failedReason.split(HINT);
              throw new UserError(`${shards[i]!.label}: ${message}`, hint);
            }
          }
          if (changed) await recorder.save();
          if (follow.some((f) => !f.done)) await sleep(pollMs);
        }
      } catch (err) {
        // The run stops here: shards not started yet would only waste the workers' time.
        for (const id of ids) await queue.remove(id).catch(() => undefined);
        await recorder.save();
        throw err;
      }
      await recorder.save();
      return follow.map((f) => f.output) as never[];
    },
  });
}

interface FollowedShard {
  record: TaskRecord;
  /** Attempts seen started, attempts seen failed. */
  started: number;
  failures: number;
  done: boolean;
  output: unknown;
}

/** Brings a shard's record up to its job; returns whether it changed. */
function observeShard(f: FollowedShard, job: Job<ShardJob>, state: string): boolean {
  let changed = false;
  const running = () => f.record.attempts.find((a) => a.state === 'running');
  const close = (a: Attempt, fields: Partial<Attempt>, endedAt = Date.now()) => {
    Object.assign(a, fields, { endedAt: new Date(endedAt).toISOString(), seconds: (endedAt - Date.parse(a.startedAt)) / 1000 });
    changed = true;
  };
  if (job.attemptsStarted > f.started) {
    const previous = running();
    if (previous) {
      const failed = job.attemptsMade > f.failures;
      close(previous, failed ? { state: 'failed', error: job.failedReason, retried: true } : { state: 'failed', error: 'interrupted: its worker stopped; taken over by another worker' });
      if (failed) f.failures = job.attemptsMade;
    }
    f.started = job.attemptsStarted;
    f.record.attempts.push({ attempt: f.record.attempts.length + 1, startedAt: new Date(job.processedOn ?? Date.now()).toISOString(), state: 'running', ...(job.processedBy ? { worker: job.processedBy } : {}) });
    f.record.state = 'running';
    changed = true;
  }
  const current = running();
  if (state === 'completed') {
    if (current) close(current, { state: 'completed', ...shardRows(job.returnvalue) }, job.finishedOn);
    f.record.state = 'completed';
    f.output = job.returnvalue;
    f.done = true;
    changed = true;
  } else if (state === 'failed') {
    if (current) close(current, { state: 'failed', error: job.failedReason.split(HINT)[0] }, job.finishedOn);
    f.record.state = 'failed';
    f.done = true;
    changed = true;
  } else if (current && job.attemptsMade > f.failures) {
    // Failed transiently; BullMQ retries it after its backoff.
    close(current, { state: 'failed', error: job.failedReason, retried: true });
    f.failures = job.attemptsMade;
  }
  return changed;
}

/** A worker's processing of one shard: the handler, its files staged in the lake, its failure classified. */
async function processShard(config: Config, store: ObjectStore, job: Job<ShardJob>): Promise<unknown> {
  const { kind, input, bucket, staging } = job.data;
  const ctx = new RunContext(config, store, silentProgress, `${job.data.runId}-shard-${job.id}-${job.attemptsStarted}`);
  const stager = {
    remote: true,
    stage: async (file: string, name: string) => {
      const key = `${staging}${name}`;
      await store.putFile(bucket, key, file, { move: true });
      return { bucket, key };
    },
  };
  try {
    return await SHARD_HANDLERS[kind](ctx, input as never, stager);
  } catch (err) {
    const text = `${errorMessage(err)}${err instanceof UserError && err.hint ? `${HINT}${err.hint}` : ''}`;
    // Only what may pass (an unreachable service) is worth another attempt.
    throw isTransient(err) ? new Error(text) : new UnrecoverableError(text);
  } finally {
    await ctx.close().catch(() => undefined);
  }
}

export interface WorkerOptions {
  /** How long a job stays locked without renewal before another worker may take it (BullMQ lockDuration). */
  lockMs?: number;
  log?: (message: string) => void;
  /** How often the lake's schedules are copied to the run queue's job schedulers (default 60 s). */
  scheduleRefreshMs?: number;
  /** Injected by tests; opened from the config otherwise. */
  store?: ObjectStore;
}

/** A queued run's id; a scheduled firing's derives from its job, so that a worker taking it over continues the same record. */
function runIdOf(job: Job<RunJob>): string {
  return job.data.runId ?? newRunId(new Date(job.timestamp), createHash('sha256').update(String(job.id)).digest('hex').slice(0, 6));
}

const SCHEDULER_PREFIX = 'schedule-';

/**
 * Distributed schedules: each schedule of the lake (and SCHEDULE) becomes a BullMQ job scheduler of the
 * run queue, which puts one run on the queue at each fire time however many workers sync it. Every
 * worker syncs them (idempotent), so schedules fire while any worker runs. Returns what changed.
 */
export async function syncJobSchedulers(queue: Queue<RunJob>, config: Config, store: ObjectStore): Promise<string[]> {
  const wanted = new Map((await listSchedules(store, config)).map((s) => [`${SCHEDULER_PREFIX}${s.id}`, s]));
  const existing = (await queue.getJobSchedulers()).filter((j) => j.key.startsWith(SCHEDULER_PREFIX));
  const changes: string[] = [];
  for (const j of existing) {
    if (!wanted.has(j.key)) {
      await queue.removeJobScheduler(j.key);
      changes.push(`schedule ${j.key.slice(SCHEDULER_PREFIX.length)} removed`);
    }
  }
  for (const [key, s] of wanted) {
    const current = existing.find((j) => j.key === key);
    if (current?.pattern === s.cron && current.name === s.flow) continue;
    await queue.upsertJobScheduler(key, { pattern: s.cron }, { name: s.flow, data: { flow: s.flow, fullRefresh: false, trigger: 'schedule' }, opts: { removeOnComplete: 1000, removeOnFail: 1000 } });
    changes.push(`schedule ${s.id}: ${s.flow} at "${s.cron}" put on ${queue.name}`);
  }
  return changes;
}

/**
 * A `datalake worker`: takes runs from the run queue, one at a time, and shards from the task queue,
 * one at a time, until closed.
 */
export async function startWorker(config: Config, options: WorkerOptions = {}): Promise<{ close: () => Promise<void> }> {
  const url = requireRedis(config);
  const log = options.log ?? ((m: string) => console.log(m));
  const store = options.store ?? openObjectStore(config);
  const lockMs = options.lockMs ?? config.workerLockMs;
  // Redis client names take no spaces; BullMQ counts workers by them.
  const name = `pid-${process.pid}@${os.hostname()}`;
  const workerOptions = { name, connection: redisConnection(url), concurrency: 1, lockDuration: lockMs, stalledInterval: Math.max(500, lockMs / 2), maxStalledCount: 3 };
  const tasks = new Queue<ShardJob>(tasksQueue(config), { connection: redisConnection(url) });
  const shards = queueShards(tasks, config);
  const shardWorker = new Worker<ShardJob>(
    tasksQueue(config),
    async (job: Job<ShardJob>) => {
      log(`run ${job.data.runId}: ${job.data.kind} ${job.data.label} (attempt ${job.attemptsStarted})`);
      return processShard(config, store, job);
    },
    workerOptions,
  );
  const worker = new Worker<RunJob>(
    runsQueue(config),
    async (job: Job<RunJob>) => {
      const { flow, fullRefresh, strict, trigger } = job.data;
      const runId = runIdOf(job);
      log(`run ${runId}: ${flow} started`);
      const { summary, error } = await runFlow({
        config,
        store,
        flow,
        fullRefresh,
        ...(strict ? { strict } : {}),
        ...(trigger ? { trigger } : {}),
        runId,
        shards,
        // A run taken over from a dead worker on another machine waits for that worker's lake lock to expire.
        waitMs: 10 * 60_000,
      });
      log(`run ${runId}: ${summary.state}${error ? `: ${errorMessage(error)}` : ''}`);
      if (error) throw new Error(errorMessage(error));
      return { state: summary.state };
    },
    workerOptions,
  );
  const schedules = new Queue<RunJob>(runsQueue(config), { connection: redisConnection(url) });
  const syncSchedules = () =>
    syncJobSchedulers(schedules, config, store)
      .then((changes) => changes.forEach(log))
      .catch((err: unknown) => log(`cannot sync the schedules: ${errorMessage(err)}`));
  const scheduleTimer = setInterval(() => void syncSchedules(), options.scheduleRefreshMs ?? 60_000);
  await syncSchedules();
  // Redis going away makes every connection (two workers, two queues) fail many times a second: one
  // line when it is lost, one when it is back; other errors once per message.
  let lost = false;
  const said = new Set<string>();
  const onError = (err: Error) => {
    const message = errorMessage(err);
    if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|Connection is closed|connect E/i.test(message)) {
      if (!lost) log(`lost Redis at ${redactUrl(url)} (${message.split('\n')[0]}); trying again every ${REDIS_RETRY_MS / 1000} s`);
      lost = true;
      return;
    }
    if (!said.has(message)) log(`worker error: ${message}`);
    said.add(message);
  };
  worker.on('error', onError);
  shardWorker.on('error', onError);
  tasks.on('error', onError);
  schedules.on('error', onError);
  // The task queue's connection is ready again: Redis is back.
  const client = await tasks.getBackend().client;
  client.on('ready', () => {
    if (lost) log(`Redis at ${redactUrl(url)} is back`);
    lost = false;
  });
  await Promise.all([worker.waitUntilReady(), shardWorker.waitUntilReady()]);
  log(`worker pid ${process.pid} waiting for runs on ${runsQueue(config)} and shards on ${tasksQueue(config)} (${redactUrl(url)})`);
  return {
    close: async () => {
      clearInterval(scheduleTimer);
      await Promise.all([worker.close(), shardWorker.close()]);
      await Promise.all([tasks.close(), schedules.close()]);
    },
  };
}

function requireRedis(config: Config): string {
  if (!config.redisUrl) throw new UserError('REDIS_URL is not set', 'set REDIS_URL (e.g. redis://localhost:6379) to run flows on workers');
  return config.redisUrl;
}
