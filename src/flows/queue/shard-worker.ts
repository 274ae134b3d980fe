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
import { shardDefinitions, withCurrentDefinitions } from '../definitions-now.js';
import { DATALAKE } from '../../command-name.js';

const SHARD_HANDLERS: Record<ShardKind, ShardHandler<never, unknown>> = {
  'silver.clean': cleanShard,
  'gold.partition': goldPartitionShard,
};

/** A worker's processing of one shard: the handler, its files staged in the lake, its failure classified. */
export async function processShard(config: Config, lake: ObjectStore, job: Job<ShardJob>): Promise<unknown> {
  const { kind, input, bucket, staging, definitions } = job.data;
  // The definitions as the run has them: this worker may have started before a model or dataset was
  // added, or the files may have changed since the run started (then its SQL would not be the run's).
  let current: Config;
  try {
    current = withCurrentDefinitions(config);
  } catch (err) {
    throw new UnrecoverableError(`the definitions do not load: ${errorMessage(err)}`);
  }
  if (definitions !== undefined && shardDefinitions(current.project) !== definitions) {
    throw new UnrecoverableError(`the datasets or models changed since run ${job.data.runId} started: its shard would be built from other definitions than the run's${HINT}run it again (\`${DATALAKE} run\`)`);
  }
  const ctx = new RunContext(current, lake, silentProgress, `${job.data.runId}-shard-${job.id}-${job.attemptsStarted}`);
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
