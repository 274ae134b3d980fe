import type { Config } from '../../config.js';
import { UserError } from '../../errors.js';
import type { Bucket } from '../../lake/index.js';
import type { ShardKind } from '../../pipeline/shards.js';
import type { FlowName } from '../definitions.js';
import type { RunParameters } from '../record.js';

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
export const SHARDS_QUEUE = 'datalake-shards';

/** The queues of a project: the shop's are the names above, another project's are prefixed with its name. */
export const runsQueue = (config: Config) => `${config.names.queuePrefix}${RUNS_QUEUE}`;
export const shardsQueue = (config: Config) => `${config.names.queuePrefix}${SHARDS_QUEUE}`;

export interface RunJob {
  /** Set by whoever queued the run; a scheduled firing gets one from its job (see runIdOf in worker.ts). */
  runId?: string;
  flow: FlowName;
  fullRefresh: boolean;
  strict?: boolean;
  trigger: RunParameters['trigger'];
  vacuum?: RunParameters['vacuum'];
  dataset?: string;
  /** The run (runId) is a failed or cancelled one to resume (`datalake run --resume`), not a new one. */
  resume?: boolean;
}

export interface ShardJob {
  runId: string;
  kind: ShardKind;
  label: string;
  input: unknown;
  /** Where the shard stages its output files. */
  bucket: Bucket;
  staging: string;
  /** shardDefinitions of the run's project: a worker whose files differ refuses the shard. */
  definitions?: string;
}

/** Separates a failed shard's message from its hint in BullMQ's failedReason. */
export const HINT = '\nhint: ';

/** How often a worker tries Redis again once it is lost. */
export const REDIS_RETRY_MS = 2000;

/**
 * Connection options rather than a client, so that BullMQ opens its connections and closes them with
 * the queue or worker. Workers need maxRetriesPerRequest null: a blocked command waits for Redis.
 */
export function redisConnection(url: string): { url: string; maxRetriesPerRequest: null; retryStrategy: (times: number) => number } {
  return { url, maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(times * 200, REDIS_RETRY_MS) };
}

export function requireRedis(config: Config): string {
  if (!config.redisUrl) throw new UserError('REDIS_URL is not set', 'set REDIS_URL (e.g. redis://localhost:6379) to run flows on workers');
  return config.redisUrl;
}
