import { createHash } from 'node:crypto';
import os from 'node:os';
import { Queue, UnrecoverableError, Worker, type IRedisClient, type Job } from 'bullmq';
import { redactUrl, type Config } from '../../settings.js';
import { errorMessage, UserError } from '../../errors.js';
import { openObjectStore, runRecord, writeJson, type ObjectStore } from '../../lake/index.js';
import { newRunId } from '../../pipeline/context.js';
import { runFlow } from '../run-flow.js';
import { withCurrentDefinitions } from '../definitions-now.js';
import { errorInfo, readRun } from '../record.js';
import { refuseQueued } from '../resume.js';
import { DATALAKE } from '../../command-name.js';
import { REDIS_RETRY_MS, redisConnection, requireRedis, runsQueue, shardsQueue, type RunJob, type ShardJob } from './connection.js';
import { FreshnessMonitor } from '../../ops/freshness-monitor.js';
import { settleAlerts } from '../../ops/pending.js';
import { syncJobSchedulers } from './schedule-sync.js';
import { queueShards } from './shard-queue.js';
import { processShard } from './shard-worker.js';

export interface WorkerOptions {
  /** How long a job stays locked without renewal before another worker may take it (BullMQ lockDuration). */
  lockMs?: number;
  log?: (message: string) => void;
  /** How often the lake's schedules are copied to the run queue's job schedulers (default 60 s). */
  scheduleRefreshMs?: number;
  /** Injected by tests; opened from the config otherwise. */
  lake?: ObjectStore;
}

/** A queued run's id; a scheduled firing's derives from its job, so that a worker taking it over continues the same record. */
function runIdOf(job: Job<RunJob>): string {
  return job.data.runId ?? newRunId(new Date(job.timestamp), createHash('sha256').update(String(job.id)).digest('hex').slice(0, 6));
}

/**
 * A queued run the worker cannot start (its definitions do not load): its record ends saying why, so
 * that whoever follows it (`datalake run`, a client of POST /api/runs) is told rather than left waiting
 * on a record that stays `scheduled`. A resume goes back to the state it was in, refused.
 */
async function notStarted(lake: ObjectStore, runId: string, why: UserError, resume: boolean): Promise<void> {
  if (resume) return refuseQueued(lake, runId, why);
  const run = await readRun(lake, runId).catch(() => undefined);
  if (!run || run.state !== 'scheduled') return;
  run.state = 'failed';
  run.endedAt = new Date().toISOString();
  run.error = errorInfo(why);
  run.logs.push({ time: run.endedAt, level: 'error', message: why.message });
  await writeJson(lake, runRecord(runId), run).catch(() => undefined);
}

/**
 * A `datalake worker`: takes runs from the run queue, one at a time, and shards from the shard queue,
 * one at a time, until closed.
 */
export async function startWorker(config: Config, options: WorkerOptions = {}): Promise<{ close: () => Promise<void> }> {
  const url = requireRedis(config);
  const log = options.log ?? ((m: string) => console.log(m));
  const lake = options.lake ?? openObjectStore(config);
  const lockMs = options.lockMs ?? config.workerLockMs;
  // Redis client names take no spaces; BullMQ counts workers by them.
  const name = `pid-${process.pid}@${os.hostname()}`;
  const workerOptions = { name, connection: redisConnection(url), concurrency: 1, lockDuration: lockMs, stalledInterval: Math.max(500, lockMs / 2), maxStalledCount: 3 };
  const shardQueue = new Queue<ShardJob>(shardsQueue(config), { connection: redisConnection(url) });
  const shards = queueShards(shardQueue, config);
  const shardWorker = new Worker<ShardJob>(
    shardsQueue(config),
    async (job: Job<ShardJob>) => {
      log(`run ${job.data.runId}: ${job.data.kind} ${job.data.label} (attempt ${job.attemptsStarted})`);
      return processShard(config, lake, job);
    },
    workerOptions,
  );
  const runWorker = new Worker<RunJob>(
    runsQueue(config),
    async (job: Job<RunJob>) => {
      const { flow, fullRefresh, strict, trigger, resume, vacuum, dataset } = job.data;
      const runId = runIdOf(job);
      // The definitions as they are now: a KPI added since this worker started is built by this run.
      let current: Config;
      try {
        current = withCurrentDefinitions(config);
      } catch (err) {
        const why = new UserError(`not started: the definitions do not load: ${errorMessage(err)}`, `fix them (\`${DATALAKE} check\` says where), then run again`);
        log(`run ${runId}: ${why.message}`);
        await notStarted(lake, runId, why, resume === true);
        throw new UnrecoverableError(why.message);
      }
      log(`run ${runId}: ${flow} ${resume ? 'resumed' : 'started'}`);
      const { summary, error } = await runFlow({
        config: current,
        lake,
        flow,
        fullRefresh,
        ...(strict ? { strict } : {}),
        ...(trigger ? { trigger } : {}),
        ...(vacuum ? { vacuum } : {}),
        ...(dataset ? { dataset } : {}),
        runId,
        ...(resume ? { resume: runId } : {}),
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
    syncJobSchedulers(schedules, config, lake)
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
  runWorker.on('error', onError);
  shardWorker.on('error', onError);
  shardQueue.on('error', onError);
  schedules.on('error', onError);
  // The shard queue's connection is ready again: Redis is back.
  const client = await shardQueue.getBackend().client;
  client.on('ready', () => {
    if (lost) log(`Redis at ${redactUrl(url)} is back`);
    lost = false;
  });
  await Promise.all([runWorker.waitUntilReady(), shardWorker.waitUntilReady()]);
  // Held for two intervals and 5 s: when its worker stops, another takes over.
  const lockMsFreshness = config.freshnessCheckSeconds * 2000 + 5000;
  const freshness = FreshnessMonitor.needed(config)
    ? new FreshnessMonitor(config, lake, { log: (m) => log(`[freshness] ${m}`), lock: freshnessLock(await schedules.getBackend().client, `${config.names.queuePrefix}datalake-freshness-lock`, name, lockMsFreshness) })
    : undefined;
  freshness?.start();
  log(`worker pid ${process.pid} waiting for runs on ${runsQueue(config)} and shards on ${shardsQueue(config)} (${redactUrl(url)})`);
  return {
    close: async () => {
      clearInterval(scheduleTimer);
      await freshness?.stop();
      await Promise.all([runWorker.close(), shardWorker.close()]);
      await Promise.all([shardQueue.close(), schedules.close()]);
      // A run's alert being delivered gets a moment to be recorded (the worker exits within 3 s anyway).
      await settleAlerts(1500);
    },
  };
}

/**
 * With several workers, one evaluates the freshness alerts: the one holding this Redis key, taken or
 * renewed at each evaluation in one script (atomic), for `ttlMs`.
 */
export function freshnessLock(client: IRedisClient, key: string, me: string, ttlMs: number): () => Promise<boolean> {
  client.defineCommand('datalakeFreshnessLock', {
    numberOfKeys: 1,
    lua: `local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`,
  });
  return async () => (await client.runCommand('datalakeFreshnessLock', [key, me, ttlMs])) === 1;
}
