export { REDIS_RETRY_MS, redisConnection, RUNS_QUEUE, runsQueue, SHARDS_QUEUE, shardsQueue, type RunJob, type ShardJob } from './connection.js';
export { connectedWorkers, followRun, submitResume, submitRun } from './submit.js';
export { startWorker, type WorkerOptions } from './worker.js';
