import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker, type Job } from 'bullmq';
import { redactUrl, type Config } from '../config.js';
import { errorMessage, UserError } from '../errors.js';
import { openObjectStore, type ObjectStore } from '../lake/index.js';
import { newRunId } from '../pipeline/context.js';
import { FLOWS, runFlow, type FlowName } from './flows.js';
import { readRun, RunRecorder, type RunRecord } from './record.js';

/**
 * Distributed mode (REDIS_URL set): runs are jobs of a BullMQ queue on Redis, executed by any number of
 * `datalake worker` processes on machines that share the lake. The queue lets one run at a time go
 * (global concurrency 1) and the lake lock guards the lake as in-process; a worker killed mid-run
 * stops renewing its job lock, BullMQ's stalled-job check hands the job to another worker, and that
 * worker continues the same run record (its tasks are idempotent, so the run ends as if uninterrupted).
 */
export const RUNS_QUEUE = 'datalake-runs';

export interface RunJob {
  runId: string;
  flow: FlowName;
  fullRefresh: boolean;
  trigger: RunRecord['parameters']['trigger'];
}

/**
 * Connection options rather than a client, so that BullMQ opens its connections and closes them with
 * the queue or worker. Workers need maxRetriesPerRequest null: a blocked command waits for Redis.
 */
export function redisConnection(url: string): { url: string; maxRetriesPerRequest: null } {
  return { url, maxRetriesPerRequest: null };
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
    parameters: { ...(job.fullRefresh ? { fullRefresh: true } : {}), trigger: job.trigger ?? 'cli' },
    state: 'scheduled',
    startedAt: new Date().toISOString(),
    seconds: 0,
    lake: store.description,
    owner: `queued by pid ${process.pid} on ${os.hostname()}`,
    tasks: FLOWS[job.flow].map((name) => ({ name, state: 'pending', attempts: [] })),
    stages: [],
    logs: [{ time: new Date().toISOString(), level: 'info', message: `queued on ${RUNS_QUEUE}` }],
    peakRssBytes: 0,
  };
  await new RunRecorder(store, record).save();
  const queue = new Queue<RunJob>(RUNS_QUEUE, { connection: redisConnection(requireRedis(config)) });
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

export interface WorkerOptions {
  /** How long a job stays locked without renewal before another worker may take it (BullMQ lockDuration). */
  lockMs?: number;
  log?: (message: string) => void;
}

/** A `datalake worker`: takes runs from the queue, one at a time, until closed. */
export async function startWorker(config: Config, options: WorkerOptions = {}): Promise<{ close: () => Promise<void> }> {
  const url = requireRedis(config);
  const log = options.log ?? ((m: string) => console.log(m));
  const store = openObjectStore(config);
  const lockMs = options.lockMs ?? config.workerLockMs;
  const worker = new Worker<RunJob>(
    RUNS_QUEUE,
    async (job: Job<RunJob>) => {
      const { runId, flow, fullRefresh, trigger } = job.data;
      log(`run ${runId}: ${flow} started`);
      const { summary, error } = await runFlow({
        config,
        store,
        flow,
        fullRefresh,
        ...(trigger ? { trigger } : {}),
        runId,
        // A run taken over from a dead worker on another machine waits for that worker's lake lock to expire.
        waitMs: 10 * 60_000,
      });
      log(`run ${runId}: ${summary.state}${error ? `: ${errorMessage(error)}` : ''}`);
      if (error) throw new Error(errorMessage(error));
      return { state: summary.state };
    },
    { connection: redisConnection(url), concurrency: 1, lockDuration: lockMs, stalledInterval: Math.max(500, lockMs / 2), maxStalledCount: 3 },
  );
  worker.on('error', (err) => log(`worker error: ${errorMessage(err)}`));
  await worker.waitUntilReady();
  log(`worker pid ${process.pid} waiting for runs on ${RUNS_QUEUE} (${redactUrl(url)})`);
  return { close: () => worker.close() };
}

function requireRedis(config: Config): string {
  if (!config.redisUrl) throw new UserError('REDIS_URL is not set', 'set REDIS_URL (e.g. redis://localhost:6379) to run flows on workers');
  return config.redisUrl;
}
