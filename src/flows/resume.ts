import type { Config } from '../config.js';
import { errorMessage, UserError } from '../errors.js';
import { currentVersion, readJson, resumePoint, runRecord, writeJson, type LakeVersion, type ObjectStore } from '../lake/index.js';
import { datasetForFile } from '../project/globs.js';
import { listSources, type SourceEntry } from '../pipeline/sources.js';
import type { RunContext } from '../pipeline/context.js';
import { FLOWS, isFlowName, type FlowName, type TaskName } from './definitions.js';
import { definitionsOf, RunJournal, type ResumePoint } from './journal.js';
import { LakeLock, lockAlive } from './lock.js';
import { readRun, type RunRecord, type RunRecorder } from './record.js';
import { DATALAKE } from '../command-name.js';

/**
 * Resuming a failed or cancelled run (`datalake run --resume <run>`, `POST /api/runs {"resume": …}`):
 * the run continues under its id and record from its failed task; the tasks it finished and the shards
 * of the failed task it finished are reused, not redone. What that needs is kept in the lake while the
 * run runs, under keys of the run (lake/keys.ts), and removed when it completes:
 *
 *   runs/_resume/<run>/run.json        the resume point: the version the run builds on, digests of the
 *                                      definitions it read, the source files bronze listed, the tasks it
 *                                      finished (each with its state document, <layer>/_state/<run>.json)
 *   runs/_resume/<run>/shards/<n>.json outputs of shards it finished, which name files staged under
 *                                      <bucket>/_staging/<run>/ (kept until the run completes or is vacuumed)
 *
 * A run whose inputs changed since it stopped — another run committed, a definition changed, a source
 * file arrived, changed or went — refuses to resume and says which.
 */

/** A resume refused: one line saying why (the API answers `status` with code `not_resumable`, or 404 for an unknown run). */
export class NotResumableError extends UserError {
  constructor(
    message: string,
    hint: string | undefined,
    readonly status: 404 | 409 = 409,
  ) {
    super(message, hint);
    this.name = 'NotResumableError';
  }
}

const NEW_RUN = `start a new run instead (\`${DATALAKE} run\`): it builds on what the lake holds now`;

export interface Assessment {
  record: RunRecord;
  flow: FlowName;
  /** Undefined when the run finished no task (nothing to reuse: every task runs again). */
  point: ResumePoint | undefined;
  current: LakeVersion | undefined;
}

/**
 * Whether a run can be resumed now, or why not. `underLock`: the caller holds the lake, so a run still
 * marked running is one whose process died. `queued`: a worker taking a resume queued for it.
 */
export async function assessResume(config: Config, lake: ObjectStore, runId: string, options: { underLock: boolean; queued?: boolean }): Promise<Assessment> {
  const record = /^[0-9A-Za-z.-]{1,64}$/.test(runId) ? await readRun(lake, runId) : undefined;
  if (!record) throw new NotResumableError(`no run ${runId}`, `list the runs with \`${DATALAKE} runs\``, 404);
  const refuse = (why: string, hint?: string) => new NotResumableError(`cannot resume run ${runId}: ${why}`, hint);
  if (!isFlowName(record.flow)) throw refuse(`it is a ${record.flow}, not a flow of tasks`, 'run the command again');
  const pendingResume = record.resumes?.at(-1) && !record.resumes.at(-1)!.startedAt && !record.resumes.at(-1)!.refused;
  switch (record.state) {
    case 'completed':
      throw refuse('it completed: there is nothing to resume', `start a new run with \`${DATALAKE} run\``);
    case 'audit_failed':
      throw refuse('its audit failed: its version is staged, not failed', `commit it anyway with \`${DATALAKE} publish --approve ${runId}\`, or fix the data and start a new run`);
    case 'scheduled':
      if (!(options.queued && pendingResume)) throw refuse(`it is queued, waiting for a worker${pendingResume ? ' (its resume)' : ''}`, `wait for it: \`${DATALAKE} runs ` + runId + '`');
      break;
    case 'running':
      if (!options.underLock && !options.queued) {
        const lock = await LakeLock.read(lake);
        if (lock?.runId === runId && lockAlive(lock)) throw refuse(`it is still running (${lock.owner})`, `wait for it to end (\`${DATALAKE} runs ${runId}\`), or cancel it first`);
      }
      break;
    case 'failed':
    case 'cancelled':
      break;
  }
  const point = await readJson<ResumePoint>(lake, resumePoint(runId));
  const current = await currentVersion(lake);
  if (!point) {
    const finished = record.tasks.filter((t) => !t.parent && (t.state === 'completed' || t.state === 'skipped')).map((t) => t.name);
    if (finished.length) throw refuse(`its resume state is gone (removed by vacuum?), so its finished tasks (${finished.join(', ')}) cannot be reused`, NEW_RUN);
    return { record, flow: record.flow, point: undefined, current };
  }
  const committedByRun = current?.runId === runId;
  if (!committedByRun && (current?.version ?? null) !== point.base.version) {
    throw refuse(
      `the lake moved on since it stopped: version ${current?.version ?? 'none'} was committed by run ${current?.runId ?? '?'}, and this run was built on ${point.base.version === null ? 'the empty lake' : `version ${point.base.version}`}`,
      NEW_RUN,
    );
  }
  const now = definitionsOf(config);
  const datasets = [...new Set([...Object.keys(now.datasets), ...Object.keys(point.definitions.datasets)])].filter((d) => now.datasets[d] !== point.definitions.datasets[d]);
  if (datasets.length) {
    const what = datasets.map((d) => (!(d in now.datasets) ? `${d} was removed` : !(d in point.definitions.datasets) ? `${d} was added` : `${d} changed`));
    throw refuse(`the definition of dataset ${what.join(', ')} since it stopped`, `its finished tasks were built with the old definition: ${NEW_RUN}`);
  }
  if (now.gold !== point.definitions.gold) throw refuse('the gold models or KPIs (models/, kpis/) changed since it stopped', NEW_RUN);
  if (now.settings !== point.definitions.settings) throw refuse('the quality settings (QUALITY_*) changed since it stopped', NEW_RUN);
  if (point.sources && !committedByRun && point.tasks.some((t) => t.name === 'bronze')) {
    // Files no dataset claims are ignored by bronze (the definitions are those it ran with, checked above).
    const claimed = (entries: SourceEntry[]) => entries.filter((e) => datasetForFile(config.project, e.name) !== undefined);
    const change = sourcesChange(claimed(point.sources), claimed(await listSources(config, lake)));
    if (change) throw refuse(`${change} since it stopped, after its bronze task had read the sources (a resume does not read them again)`, `${NEW_RUN}; it ingests every source file`);
  }
  return { record, flow: record.flow, point, current };
}

/** The first difference between two listings of the source files, said as a user would. */
export function sourcesChange(before: SourceEntry[], now: SourceEntry[]): string | undefined {
  const was = new Map(before.map((e) => [e.name, e]));
  const is = new Map(now.map((e) => [e.name, e]));
  const added = now.filter((e) => !was.has(e.name)).map((e) => e.name);
  if (added.length) return `${added.length > 1 ? 'new source files arrived' : 'a new source file arrived'}: ${added.join(', ')}`;
  const gone = before.filter((e) => !is.has(e.name)).map((e) => e.name);
  if (gone.length) return `source file${gone.length > 1 ? 's' : ''} ${gone.join(', ')} ${gone.length > 1 ? 'were' : 'was'} removed`;
  for (const e of now) {
    const w = was.get(e.name)!;
    // A folder file removed leaves the copy bronze put in the sources bucket: the same file, with a time of its own.
    if (w.size !== e.size || (w.origin === e.origin && w.modified !== e.modified)) {
      return `source file ${e.name} changed (${w.size !== e.size ? `${w.size} → ${e.size} bytes` : `modified ${e.modified}`})`;
    }
  }
  return undefined;
}

/**
 * Takes a run's record up again for its resume (the caller holds the lake): its tasks, attempts and
 * log continue; the tasks it finished whose outputs are all there are reused (their states put back
 * into the draft), the others are pending again. Returns the tasks reused.
 */
export async function takeUpRecord(ctx: RunContext, recorder: RunRecorder, assessed: Assessment, trigger: 'cli' | 'api'): Promise<Set<TaskName>> {
  const { record: earlier, point, flow } = assessed;
  const record = recorder.record;
  const { owner, lake } = record;
  const previousState = earlier.state === 'cancelled' ? 'cancelled' : 'failed';
  Object.assign(record, structuredClone(earlier), { state: 'running', owner, lake });
  delete record.endedAt;
  delete record.error;
  delete record.audit;
  for (const t of record.tasks) {
    for (const a of t.attempts) if (a.state === 'running') recorder.closeAttempt(a, { state: 'failed', error: `interrupted: ${earlier.owner} stopped during this attempt` });
  }
  const reused = await RunJournal.reusable(ctx.lake, point, flow, (message, task) => recorder.log('warn', message, task));
  for (const t of record.tasks) {
    if (reused.has((t.parent ?? t.name) as TaskName)) continue;
    if (!t.parent || t.state !== 'completed') t.state = 'pending';
  }
  record.stages = earlier.stages.filter((s) => reused.has(s.stage));
  const from = FLOWS[flow].find((t) => !reused.has(t));
  const now = new Date().toISOString();
  const pending = earlier.state === 'scheduled' ? record.resumes?.at(-1) : undefined;
  const started = { startedAt: now, ...(from ? { from } : {}), reused: [...reused] };
  if (pending) Object.assign(pending, started);
  else record.resumes = [...(record.resumes ?? []), { requestedAt: now, by: owner, trigger, previousState, ...started }];
  recorder.log('info', `resumed by ${owner} from task ${from ?? 'none'}${reused.size ? ` (${[...reused].join(', ')} reused from the earlier attempt)` : ''}`);
  for (const t of reused) recorder.log('info', 'finished by the earlier attempt of this run: reused, not done again', t);
  await RunJournal.restore(ctx.lake, ctx.draft, point, reused);
  return reused;
}

/** A queued resume the worker refused: the run goes back to the state it was in, saying why. */
export async function refuseQueued(lake: ObjectStore, runId: string, err: unknown): Promise<void> {
  const run = await readRun(lake, runId).catch(() => undefined);
  const entry = run?.resumes?.at(-1);
  if (!run || run.state !== 'scheduled' || !entry || entry.startedAt) return;
  entry.refused = { message: errorMessage(err), ...(err instanceof UserError && err.hint ? { hint: err.hint } : {}) };
  run.state = entry.previousState;
  run.logs.push({ time: new Date().toISOString(), level: 'error', message: `resume refused: ${errorMessage(err)}` });
  await writeJson(lake, runRecord(runId), run);
}
