import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config.js';
import { errorMessage, isTransient } from '../errors.js';
import type { StageResult } from '../pipeline/context.js';
import type { TaskName } from './definitions.js';
import type { RunRecorder } from './record.js';

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
  }
}

/**
 * Runs one attempt after another while the failure is transient, waiting delayMs, then 2×, 4×... Each
 * attempt of a task is recorded; without a task (preparing the lake) only the retries are logged.
 */
export async function withRetries<T extends StageResult | void>(
  config: Config,
  recorder: RunRecorder,
  task: TaskName | undefined,
  signal: AbortSignal | undefined,
  fn: (attempt: number) => Promise<T>,
): Promise<T> {
  const record = task ? recorder.task(task) : undefined;
  for (let attempt = 1; ; attempt++) {
    const entry = record ? recorder.openAttempt(record) : undefined;
    if (entry) await recorder.save();
    try {
      const result = await fn(entry?.attempt ?? attempt);
      if (entry) recorder.closeAttempt(entry, { state: 'completed', ...(result ? { rows: result.rowsOut, bytes: result.bytes } : {}) });
      return result;
    } catch (err) {
      const retry = isTransient(err) && attempt <= config.retry.retries && !signal?.aborted;
      if (entry) recorder.closeAttempt(entry, { state: 'failed', error: errorMessage(err), ...(retry ? { retried: true } : {}) });
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
