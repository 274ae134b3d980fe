import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import type { Config } from '../../config.js';
import { errorMessage, UserError } from '../../errors.js';
import { openObjectStore, runRecord, writeJson, type ObjectStore } from '../../lake/index.js';
import { newRunId } from '../../pipeline/context.js';
import { FLOWS } from '../definitions.js';
import { newRunRecord, readRun, RunRecorder, type RunRecord } from '../record.js';
import { assessResume } from '../resume.js';
import { redisConnection, requireRedis, runsQueue, type RunJob } from './connection.js';
import { DATALAKE } from '../../command-name.js';

/** Queues a run and writes its record as `scheduled`, so that it can be followed before a worker takes it. */
export async function submitRun(config: Config, job: Omit<RunJob, 'runId'>, lake: ObjectStore = openObjectStore(config)): Promise<string> {
  const runId = newRunId();
  await lake.ensureBuckets();
  const recorder = new RunRecorder(
    lake,
    newRunRecord({ runId, flow: job.flow, state: 'scheduled', lake: lake.description, owner: `queued by pid ${process.pid} on ${os.hostname()}`, tasks: FLOWS[job.flow], options: job }),
  );
  recorder.log('info', `queued on ${runsQueue(config)}`);
  await recorder.save();
  const queue = new Queue<RunJob>(runsQueue(config), { connection: redisConnection(requireRedis(config)) });
  try {
    await queue.setGlobalConcurrency(1);
    await queue.add(job.flow, { ...job, runId }, { jobId: runId, attempts: 1, removeOnComplete: 1000, removeOnFail: 1000 });
  } catch (err) {
    throw new UserError(`cannot queue the run on Redis: ${errorMessage(err)}`, `check REDIS_URL and that Redis is running (\`${DATALAKE} doctor\`)`);
  } finally {
    await queue.close();
  }
  return runId;
}

/**
 * Queues the resume of a failed or cancelled run (refused at once, with a NotResumableError, when it
 * cannot be resumed): its record goes back to `scheduled`, with the resume asked for, until a worker
 * takes it up (and checks again, holding the lake). Returns the run's flow and the number of its resumes, this one included.
 */
export async function submitResume(config: Config, runId: string, trigger: 'cli' | 'api', lake: ObjectStore = openObjectStore(config)): Promise<{ flow: string; resumes: number }> {
  await lake.ensureBuckets();
  const { record, flow } = await assessResume(config, lake, runId, { underLock: false });
  const previous = structuredClone(record);
  const by = `queued by pid ${process.pid} on ${os.hostname()}`;
  record.resumes = [...(record.resumes ?? []), { requestedAt: new Date().toISOString(), by, trigger, previousState: record.state === 'cancelled' ? 'cancelled' : 'failed' }];
  record.state = 'scheduled';
  record.logs.push({ time: new Date().toISOString(), level: 'info', message: `resume ${by} on ${runsQueue(config)}` });
  await writeJson(lake, runRecord(runId), record);
  const queue = new Queue<RunJob>(runsQueue(config), { connection: redisConnection(requireRedis(config)) });
  try {
    await queue.setGlobalConcurrency(1);
    // A job id of its own: the run's first job may still be kept by the queue under the run id.
    const { fullRefresh, strict, vacuum, dataset } = record.parameters;
    const job: RunJob = { runId, flow, fullRefresh: fullRefresh === true, ...(strict ? { strict: true } : {}), ...(vacuum ? { vacuum } : {}), ...(dataset ? { dataset } : {}), trigger: record.parameters.trigger ?? 'cli', resume: true };
    await queue.add(flow, job, { jobId: `${runId}.resume.${record.resumes.length}`, attempts: 1, removeOnComplete: 1000, removeOnFail: 1000 });
  } catch (err) {
    await writeJson(lake, runRecord(runId), previous).catch(() => undefined);
    throw new UserError(`cannot queue the resume on Redis: ${errorMessage(err)}`, `check REDIS_URL and that Redis is running (\`${DATALAKE} doctor\`)`);
  } finally {
    await queue.close();
  }
  return { flow, resumes: record.resumes.length };
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
export async function followRun(lake: ObjectStore, runId: string, onChange: (record: RunRecord) => void, pollMs = 250): Promise<RunRecord> {
  let last = '';
  for (;;) {
    const record = await readRun(lake, runId);
    if (record) {
      const fingerprint = JSON.stringify([record.state, record.tasks]);
      if (fingerprint !== last) {
        last = fingerprint;
        onChange(record);
      }
      if (record.state === 'completed' || record.state === 'failed' || record.state === 'audit_failed' || record.state === 'cancelled') return record;
    }
    await sleep(pollMs);
  }
}
