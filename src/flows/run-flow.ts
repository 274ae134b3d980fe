import type { Config } from '../config.js';
import { AuditError, describeSystemError, errorMessage } from '../errors.js';
import { failpoint } from '../failpoints.js';
import { openObjectStore, type ObjectStore } from '../lake/index.js';
import { runBronze } from '../pipeline/bronze.js';
import { runCommit } from '../pipeline/commit.js';
import { RunContext, silentProgress, type ProgressSink } from '../pipeline/context.js';
import { goldDefinitions, runGold } from '../pipeline/gold/index.js';
import { checkDefinitions } from '../project/check.js';
import { runPublish } from '../pipeline/publish.js';
import { inlineShard, type ShardRunner } from '../pipeline/shards.js';
import { runSilver } from '../pipeline/silver/index.js';
import { runCompact } from '../maintenance/compact.js';
import { runVacuum } from '../maintenance/task.js';
import { alertRunEnd } from '../ops/run-alerts.js';
import { openServingStore, type ServingStore } from '../serving/index.js';
import { FLOWS, type FlowName, type TaskName } from './definitions.js';
import { LakeLock, type LockOptions } from './lock.js';
import { errorInfo, newRunRecord, readRun, RunRecorder, type RecordOutcome, type RunParameters, type RunRecord } from './record.js';
import { CancelledError, withRetries } from './retries.js';
import { RunJournal } from './journal.js';
import { assessResume, NotResumableError, refuseQueued, takeUpRecord } from './resume.js';
import { continueRecord, markAbandoned, removeDeadScratch } from './takeover.js';
import { DATALAKE } from '../command-name.js';

export interface FlowOptions extends Omit<RunParameters, 'trigger'> {
  config: Config;
  flow: FlowName;
  trigger?: RunParameters['trigger'];
  progress?: ProgressSink;
  /** How long to wait for another run holding the lake; 0 (default) refuses at once. */
  waitMs?: number;
  lock?: Omit<LockOptions, 'waitMs'>;
  /** Aborting cancels the run before its next task (or during a retry's wait). */
  signal?: AbortSignal;
  /**
   * Run id given by whoever queued the run (distributed mode). A record already under this id — a run
   * whose worker died — is continued: its attempts are kept and the one that was running is marked failed.
   */
  runId?: string;
  /**
   * Resume this failed or cancelled run (its id) instead of starting a new one: its record continues,
   * and the tasks it finished (and the shards of its failed task it finished) are reused, not redone
   * (flows/resume.ts). `flow` and the parameters must be the run's: {@link resumeFlow} reads them from
   * its record. With `runId` too, a worker takes up a resume queued for it.
   */
  resume?: string;
  /** Called once the run holds the lake and its record exists. */
  onStart?: (record: RunRecord) => void;
  /** Where the shards of each task attempt run; in this process (default) or on the workers' shard queue. */
  shards?: ShardRunnerFactory;
  /** Injected by tests; opened from the config otherwise. */
  lake?: ObjectStore;
  serving?: ServingStore;
}

/** A run's record, the error that failed it, and whether that record is in the lake (its summary says so). */
export interface FlowResult {
  summary: RunRecord;
  error?: unknown;
  record?: RecordOutcome;
}

/** Builds the shard runner of one attempt of a task (see pipeline/shards.ts). */
export type ShardRunnerFactory = (ctx: RunContext, recorder: RunRecorder, task: TaskName, attempt: number) => ShardRunner;

/**
 * Runs a flow in this process: takes the lake's lock, records the run, runs each task with retries
 * (exponential backoff) for transient failures, and records every attempt and log line. A task that
 * fails for another reason (bad data, failed quality rule, a bug) fails the run at once.
 */
export async function runFlow(options: FlowOptions): Promise<FlowResult> {
  const { config } = options;
  const lake = options.lake ?? openObjectStore(config);
  const ctx = new RunContext(config, lake, options.progress ?? silentProgress, options.resume ?? options.runId);
  const recorder = new RunRecorder(
    lake,
    newRunRecord({ runId: ctx.runId, flow: options.flow, state: 'running', lake: lake.description, owner: LakeLock.owner(), tasks: FLOWS[options.flow], options }),
  );
  const record = recorder.record;
  let serving = options.serving;
  let lock: LakeLock | undefined;
  let error: unknown;
  let current: TaskName | undefined;
  /** A resume refused once the run held the lake: its record stays as it was. */
  let refused = false;
  // A resumed run's time adds up over its attempts.
  let secondsBefore: number | undefined;
  const resumedAt = Date.now();
  try {
    await withRetries(config, recorder, undefined, options.signal, () => lake.ensureBuckets());
    const queued = options.runId !== undefined;
    // A resume refused leaves the run's record as it was (a queued one back in its earlier state, saying why).
    const refuse = async (err: unknown): Promise<never> => {
      refused = true;
      await refuseQueued(lake, options.resume!, err).catch(() => undefined);
      throw err;
    };
    // Refused at once when it is plain (a run still running, inputs changed), again below once the lake is held.
    if (options.resume) await assessResume(config, lake, options.resume, { underLock: false, queued }).catch(refuse);
    lock = await LakeLock.acquire(lake, { runId: ctx.runId, flow: options.flow }, { ...options.lock, waitMs: options.waitMs ?? 0 });
    if (lock.abandoned && lock.abandoned.runId !== ctx.runId) {
      await markAbandoned(lake, recorder, lock.abandoned, () => (serving ??= openServingStore(config)).lastPublish());
    }
    let journal: RunJournal;
    let reused = new Set<TaskName>();
    if (options.resume) {
      const assessed = await assessResume(config, lake, options.resume, { underLock: true, queued }).catch(refuse);
      secondsBefore = assessed.record.seconds;
      reused = await takeUpRecord(ctx, recorder, assessed, options.trigger === 'api' ? 'api' : 'cli');
      journal = await RunJournal.resume(ctx, recorder, assessed.flow, assessed.point, reused);
    } else {
      if (options.runId) await continueRecord(lake, recorder);
      journal = await RunJournal.start(ctx, recorder, options.flow);
    }
    ctx.ledger = journal;
    // A vacuum lists dead runs' scratch with what it deletes (and leaves it alone in a dry run).
    if (options.flow !== 'vacuum') {
      const removed = await removeDeadScratch(config.scratchDir, lake, ctx.runId);
      if (removed.length) recorder.log('info', `removed the scratch space of ${removed.length} run(s) or process(es) no longer alive: ${removed.map((d) => d.folder).join(', ')}`);
    }
    if (!options.resume) recorder.log('info', `${options.flow} started by ${record.owner} on ${lake.description}`);
    await recorder.save();
    options.onStart?.(record);
    const force = options.fullRefresh === true;
    // A run taken over (or resumed) after it committed (its process died, or its publish failed) must not
    // write under its own keys again: they are those of the version it committed. It only publishes.
    const committed = (await ctx.draft.base()).version;
    const alreadyCommitted = (options.runId !== undefined || options.resume !== undefined) && committed?.runId === ctx.runId;
    if (alreadyCommitted) recorder.log('warn', `this run committed version ${committed.version} before ${options.resume ? 'it stopped' : 'its process stopped'}: only publishing it`);
    // Models or KPIs changed since gold was built: their SQL compiled first, as `check` does, so that a
    // typo fails the run at once rather than after bronze and silver.
    if (!alreadyCommitted && !reused.has('gold') && (FLOWS[options.flow] as readonly TaskName[]).includes('gold')) await checkChangedDefinitions(ctx);
    for (const name of FLOWS[options.flow]) {
      if (options.signal?.aborted) throw new CancelledError();
      if (reused.has(name)) continue;
      if (alreadyCommitted && name !== 'publish') {
        // Its commit is done (the version is the lake's): said so, as `history` shows it.
        recorder.task(name).state = name === 'commit' ? 'completed' : 'skipped';
        continue;
      }
      current = name;
      const result = await withRetries(config, recorder, name, options.signal, async (attempt) => {
        journal.beginAttempt(name);
        failpoint(`task:${name}`);
        const shards = (options.shards ?? inlineShards)(ctx, recorder, name, attempt);
        if (name === 'bronze') return runBronze(ctx, { strict: options.strict === true, onSources: (seen) => journal.setSources(seen) });
        if (name === 'silver') return runSilver(ctx, { fullRefresh: force, shards });
        if (name === 'gold') return runGold(ctx, { force, shards });
        if (name === 'commit') return runCommit(ctx);
        // Saved before the first deletion: a vacuum killed half-way is then known to have begun (flows/interrupted.ts).
        if (name === 'vacuum') {
          return runVacuum(ctx, options.vacuum ?? {}, async (line) => {
            recorder.log('info', line, 'vacuum');
            await recorder.save();
          });
        }
        if (name === 'compact') return runCompact(ctx, options.dataset);
        serving ??= openServingStore(config);
        return runPublish(ctx, serving, { force });
      });
      record.stages.push(result);
      const skipped = typeof result.details['skipped'] === 'string' ? (result.details['skipped'] as string) : undefined;
      recorder.task(name).state = skipped ? 'skipped' : 'completed';
      for (const w of Array.isArray(result.details['warnings']) ? (result.details['warnings'] as string[]) : []) recorder.log('warn', w, name);
      recorder.log('info', skipped ? `skipped: ${skipped}` : `completed in ${result.seconds.toFixed(2)} s: ${result.rowsOut} rows out, ${result.quarantined} quarantined`, name);
      await journal.finishTask(ctx, name, result);
      await recorder.save();
    }
    current = undefined;
  } catch (err) {
    error = describeSystemError(err);
  } finally {
    await ctx.close().catch(() => undefined);
    if (serving && !options.serving) await serving.close().catch(() => undefined);
  }

  const ended = new Date();
  record.endedAt = ended.toISOString();
  record.seconds = secondsBefore === undefined ? (ended.getTime() - Date.parse(record.startedAt)) / 1000 : secondsBefore + (ended.getTime() - resumedAt) / 1000;
  if (error instanceof CancelledError) {
    record.state = 'cancelled';
    for (const t of record.tasks) if (t.state === 'pending' || t.state === 'running') t.state = 'cancelled';
    recorder.log('warn', 'cancelled');
    error = undefined;
  } else if (error instanceof AuditError) {
    // Nothing was committed; the staged version waits for `datalake publish --approve`.
    record.state = 'audit_failed';
    record.audit = error.failed;
    record.error = { ...errorInfo(error), ...(current ? { stage: current, task: current } : {}) };
    if (current) recorder.task(current).state = 'failed';
    for (const t of record.tasks) if (t.state === 'pending') t.state = 'cancelled';
    recorder.log('error', errorMessage(error), current);
  } else if (error) {
    record.state = 'failed';
    record.error = { ...errorInfo(error), ...(current ? { stage: current, task: current } : {}) };
    if (current) recorder.task(current).state = 'failed';
    recorder.log('error', errorMessage(error), current);
  } else {
    record.state = 'completed';
    recorder.log('info', `completed in ${record.seconds.toFixed(2)} s`);
  }
  // A run refused for a busy lake never held it: it leaves no record, only its message. A run that
  // completed (or whose audit failed: it is approved, not resumed) needs no resume state.
  if (lock) {
    if (!refused) await recorder.save();
    if (!refused && (record.state === 'completed' || record.state === 'audit_failed')) await RunJournal.remove(lake, ctx.runId).catch(() => undefined);
    await lock.release();
    // In the background: the run returns now; the delivery is added to its record when it is done.
    alertRunEnd(config, lake, recorder);
  }
  // A run that never held the lake is not saved at its end: whatever a retry saved before says it is running.
  const outcome = lock ? recorder.outcome() : recorder.outcome(NEVER_HELD);
  const saved: RecordOutcome = !lock && outcome.written ? { written: true, stale: NEVER_HELD } : outcome;
  return error === undefined ? { summary: record, record: saved } : { summary: record, error, record: saved };
}

const NEVER_HELD = 'the run stopped before it held the lake';

/** The models' and KPIs' SQL compiled against the declared columns, when they are not those gold was built from. */
async function checkChangedDefinitions(ctx: RunContext): Promise<void> {
  if ((await ctx.draft.gold())?.definitions === goldDefinitions(ctx.config.project)) return;
  await checkDefinitions(ctx.config.project);
}

/** Shards in this process, one after the other, each recorded as a task with its attempt. */
const inlineShards: ShardRunnerFactory = (ctx, recorder, task, taskAttempt) => {
  return {
    inProcess: true,
    async map(kind, shards, handler, onDone) {
      const outputs = [];
      for (const [i, shard] of shards.entries()) {
        const record = recorder.shard(task, shard.label);
        const attempt = recorder.openAttempt(record);
        await recorder.save();
        try {
          const output = await inlineShard(ctx, kind, taskAttempt, i, shard, handler);
          recorder.closeAttempt(attempt, { state: 'completed', ...shardRows(output) });
          record.state = 'completed';
          await onDone?.(i, output);
          outputs.push(output);
        } catch (err) {
          recorder.closeAttempt(attempt, { state: 'failed', error: errorMessage(err) });
          record.state = 'failed';
          throw err;
        }
      }
      return outputs;
    },
  };
};

/** A shard's output row count, for its record, when it has one (a shard of several partitions: their sum). */
export function shardRows(output: unknown): { rows?: number } {
  if (Array.isArray(output)) return output.reduce((sum: { rows?: number }, o) => ({ rows: (sum.rows ?? 0) + (shardRows(o).rows ?? 0) }), {});
  const rows = (output as { rows?: unknown } | undefined)?.rows;
  return typeof rows === 'number' ? { rows } : {};
}

/**
 * Resumes a failed or cancelled run: its flow and parameters are read from its record, then
 * {@link runFlow} continues it (see flows/resume.ts). Refusals are NotResumableErrors.
 */
export async function resumeFlow(options: Omit<FlowOptions, 'flow' | 'fullRefresh' | 'strict' | 'resume' | 'runId'> & { resume: string }): Promise<FlowResult> {
  const lake = options.lake ?? openObjectStore(options.config);
  const refused = (error: unknown): FlowResult => ({
    summary: newRunRecord({ runId: options.resume, flow: 'pipeline', state: 'failed', lake: lake.description, owner: LakeLock.owner(), tasks: [], options: {} }),
    error,
    record: { written: false, reason: 'the resume did not start' },
  });
  let earlier: RunRecord | undefined;
  try {
    earlier = /^[0-9A-Za-z.-]{1,64}$/.test(options.resume) ? await readRun(lake, options.resume) : undefined;
  } catch (err) {
    return refused(describeSystemError(err));
  }
  if (!earlier) return refused(new NotResumableError(`no run ${options.resume}`, `list the runs with \`${DATALAKE} runs\``, 404));
  const flow = (Object.hasOwn(FLOWS, earlier.flow) ? earlier.flow : 'pipeline') as FlowName;
  const { fullRefresh, strict, vacuum, dataset } = earlier.parameters;
  return runFlow({ ...options, lake, flow, fullRefresh: fullRefresh === true, strict: strict === true, ...(vacuum ? { vacuum } : {}), ...(dataset ? { dataset } : {}) });
}
