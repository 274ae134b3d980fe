import { setTimeout as sleep } from 'node:timers/promises';
import { Job, type Queue } from 'bullmq';
import type { Config } from '../../config.js';
import { UserError } from '../../errors.js';
import { stagingPrefix, type Bucket } from '../../lake/index.js';
import type { Attempt, RunRecorder, TaskRecord } from '../record.js';
import { shardRows, type ShardRunnerFactory } from '../run-flow.js';
import { HINT, type ShardJob } from './connection.js';
import { shardDefinitions } from '../definitions-now.js';

/**
 * The shards of one task attempt go on the shard queue; the run's worker follows them there, records
 * each attempt (which worker, how long, why it failed) in the run record, and returns their outputs.
 */
export function queueShards(queue: Queue<ShardJob>, config: Config, pollMs = 200): ShardRunnerFactory {
  return (ctx, recorder, task, attempt) => ({
    async map(kind, shards, _handler, onDone) {
      const bucket: Bucket = task === 'gold' ? 'gold' : 'silver';
      const ids = shards.map((_, i) => `${ctx.runId}.${task}.${attempt}.${i}`);
      const definitions = shardDefinitions(ctx.config.project);
      await queue.addBulk(
        shards.map((s, i) => ({
          name: `${kind} ${s.label}`,
          data: { runId: ctx.runId, kind, label: s.label, input: s.input, bucket, staging: stagingPrefix(ctx.runId, attempt, kind, i), definitions },
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
            changed = observeShard(recorder, f, job, state) || changed;
            if (f.done && state === 'completed') await onDone?.(i, f.output as never);
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
function observeShard(recorder: RunRecorder, f: FollowedShard, job: Job<ShardJob>, state: string): boolean {
  let changed = false;
  const running = () => f.record.attempts.find((a) => a.state === 'running');
  const close = (a: Attempt, fields: Partial<Attempt> & Pick<Attempt, 'state'>, endedAt?: number) => {
    recorder.closeAttempt(a, fields, endedAt);
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
    recorder.openAttempt(f.record, { startedAt: new Date(job.processedOn ?? Date.now()).toISOString(), ...(job.processedBy ? { worker: job.processedBy } : {}) });
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
