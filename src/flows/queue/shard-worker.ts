import { UnrecoverableError, type Job } from 'bullmq';
import type { Config } from '../../config.js';
import { errorMessage, isTransient, UserError } from '../../errors.js';
import { failpoint } from '../../failpoints.js';
import type { ObjectStore } from '../../lake/index.js';
import { RunContext, silentProgress } from '../../pipeline/context.js';
import { goldPartitionShard } from '../../pipeline/gold/index.js';
import type { ShardHandler, ShardKind } from '../../pipeline/shards.js';
import { cleanShard } from '../../pipeline/silver/index.js';
import { HINT, type ShardJob } from './connection.js';

const SHARD_HANDLERS: Record<ShardKind, ShardHandler<never, unknown>> = {
  'silver.clean': cleanShard,
  'gold.partition': goldPartitionShard,
};

/** A worker's processing of one shard: the handler, its files staged in the lake, its failure classified. */
export async function processShard(config: Config, lake: ObjectStore, job: Job<ShardJob>): Promise<unknown> {
  const { kind, input, bucket, staging } = job.data;
  const ctx = new RunContext(config, lake, silentProgress, `${job.data.runId}-shard-${job.id}-${job.attemptsStarted}`);
  const stager = {
    remote: true,
    stage: async (file: string, name: string) => {
      const key = `${staging}${name}`;
      await lake.putFile(bucket, key, file, { move: true });
      return { bucket, key };
    },
  };
  try {
    failpoint(`shard:${job.data.label}`);
    return await SHARD_HANDLERS[kind](ctx, input as never, stager);
  } catch (err) {
    const text = `${errorMessage(err)}${err instanceof UserError && err.hint ? `${HINT}${err.hint}` : ''}`;
    // Only what may pass (an unreachable service) is worth another attempt.
    throw isTransient(err) ? new Error(text) : new UnrecoverableError(text);
  } finally {
    await ctx.close().catch(() => undefined);
  }
}
