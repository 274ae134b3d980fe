import type { Config } from '../../config.js';
import { DefinitionError, QualityError, UserError } from '../../errors.js';
import { flowForTasks, FULL_REFRESH_FLOWS, NO_FULL_REFRESH, type TaskName } from '../../flows/definitions.js';
import { LakeBusyError } from '../../flows/lock.js';
import type { RunParameters } from '../../flows/record.js';
import { assessResume, NotResumableError } from '../../flows/resume.js';
import { openObjectStore, type ObjectStore } from '../../lake/index.js';
import { resumeFlow, runFlow, type FlowOptions, type FlowResult } from '../../flows/run-flow.js';
import { TerminalProgress } from '../progress.js';
import { recordSaid, renderSummary } from '../summary.js';
import { DATALAKE } from '../../command-name.js';

/** The queue (BullMQ, ~0.2 s to load) only with REDIS_URL: a run in this process never loads it. */
const queue = () => import('../../flows/queue/index.js');

export interface RunFlags {
  json?: boolean;
  fullRefresh?: boolean;
  wait?: boolean;
  strict?: boolean;
  /** The vacuum flow's settings, the compact flow's dataset. */
  vacuum?: RunParameters['vacuum'];
  dataset?: string;
}

/** The parameters of a flow that the flags set (those a flow does not use are not set). */
function flowParameters(flags: RunFlags): Pick<RunParameters, 'strict' | 'vacuum' | 'dataset'> {
  return { ...(flags.strict ? { strict: true } : {}), ...(flags.vacuum ? { vacuum: flags.vacuum } : {}), ...(flags.dataset ? { dataset: flags.dataset } : {}) };
}

/** With REDIS_URL: queue the run for the workers, follow it in the lake until it ends. */
export async function queuedCommand(config: Config, tasks: readonly TaskName[], flags: RunFlags): Promise<void> {
  const lake = openObjectStore(config);
  const flow = flowForTasks(tasks);
  const { submitRun } = await queue();
  const runId = await submitRun(config, { flow, fullRefresh: flags.fullRefresh === true, ...flowParameters(flags), trigger: 'cli' }, lake);
  if (!flags.json) console.log(`run ${runId} (${flow}) queued on Redis; waiting for a worker (\`${DATALAKE} worker\`)…`);
  await followQueued(config, lake, runId, flags);
}

/** Follows a queued run on the terminal until it ends; fails as the run did. */
async function followQueued(config: Config, lake: ObjectStore, runId: string, flags: RunFlags, resumed = 0): Promise<void> {
  const { connectedWorkers, followRun } = await queue();
  if ((await connectedWorkers(config)) === 0) {
    console.error(`warning: no worker is connected to this Redis: the run waits until one starts (\`${DATALAKE} worker\`, on any machine sharing the lake)`);
  }
  const seen = new Map<string, string>();
  const record = await followRun(lake, runId, (r) => {
    if (flags.json) return;
    if (r.state === 'running' && seen.get('state') !== 'running') console.log(`taken by ${r.owner}`);
    seen.set('state', r.state);
    for (const t of r.tasks) {
      const a = t.attempts.at(-1);
      const line = `${t.name} ${t.state}${a && t.attempts.length > 1 ? ` (attempt ${a.attempt})` : ''}${a?.seconds !== undefined && t.state !== 'running' ? ` in ${a.seconds.toFixed(2)} s` : ''}`;
      if (t.state !== 'pending' && seen.get(t.name) !== line) {
        seen.set(t.name, line);
        console.log(`${t.parent ? '    ' : '  '}${line}${t.parent && a?.worker ? ` on ${a.worker}` : ''}`);
      }
    }
  });
  // A queued resume the worker refused (the run's inputs changed meanwhile): the run is as it was.
  const refused = resumed ? record.resumes?.[resumed - 1]?.refused : undefined;
  if (refused) throw new UserError(refused.message, refused.hint);
  if (flags.json) console.log(JSON.stringify(record, null, 2));
  else console.log(renderSummary(record, config.project));
  if (record.state === 'failed' || record.state === 'audit_failed') {
    throw new UserError(`run ${runId} failed${record.error?.task ? ` in task ${record.error.task}` : ''}: ${record.error?.message ?? 'unknown error'}`, record.error?.hint);
  }
  if (record.state === 'cancelled') process.exitCode = 130;
}

export async function stagesCommand(config: Config, tasks: readonly TaskName[], flags: RunFlags): Promise<void> {
  // Refused as the API refuses them, rather than ignored: `run --flow vacuum --full-refresh` ran a plain vacuum.
  const flow = flowForTasks(tasks);
  if (flags.fullRefresh && NO_FULL_REFRESH.includes(flow)) throw new UserError(`--full-refresh does not apply to ${flow}`, `give it with ${FULL_REFRESH_FLOWS}`);
  if (flags.strict && !tasks.includes('bronze')) throw new UserError(`--strict does not apply to ${flow}: it reads no source file`, `give it with pipeline or bronze_ingestion_flow (\`${DATALAKE} run --strict\`, \`${DATALAKE} bronze --strict\`)`);
  if (config.redisUrl) return queuedCommand(config, tasks, flags);
  await inProcess(config, flags, (options) => runFlow({ ...options, flow: flowForTasks(tasks), fullRefresh: flags.fullRefresh === true, ...flowParameters(flags) }));
}

/** `datalake run --resume <run>`: the run continues in this process, or (REDIS_URL) is queued for a worker and followed. */
export async function resumeCommand(config: Config, runId: string, flags: RunFlags): Promise<void> {
  if (config.redisUrl) {
    const lake = openObjectStore(config);
    const { submitResume } = await queue();
    const { flow, resumes } = await submitResume(config, runId, 'cli', lake);
    if (!flags.json) console.log(`resume of run ${runId} (${flow}) queued on Redis; waiting for a worker (\`${DATALAKE} worker\`)…`);
    return followQueued(config, lake, runId, flags, resumes);
  }
  await inProcess(config, flags, (options) => resumeFlow({ ...options, resume: runId }));
}

type StartOptions = Pick<FlowOptions, 'config' | 'progress' | 'signal' | 'waitMs' | 'trigger'>;

/** A run in this process, drawn on the terminal; Ctrl+C cancels it before its next task. */
async function inProcess(config: Config, flags: RunFlags, start: (options: StartOptions) => Promise<FlowResult>): Promise<void> {
  const progress = new TerminalProgress();
  // Ctrl+C cancels the run before its next task and records it as cancelled; a second Ctrl+C quits now.
  const cancel = new AbortController();
  const onSigint = () => {
    if (cancel.signal.aborted) process.exit(130);
    console.error('\ncancelling after the current task (Ctrl+C again to quit now)…');
    cancel.abort();
  };
  process.on('SIGINT', onSigint);
  const { summary, error, record } = await start({ config, progress, signal: cancel.signal, trigger: 'cli', ...(flags.wait ? { waitMs: 24 * 3600_000 } : {}) }).finally(() => process.off('SIGINT', onSigint));
  if (error) progress.fail();
  // Refused before it ran: no summary, only the reason.
  if (error instanceof LakeBusyError || error instanceof NotResumableError) throw error;
  if (flags.json) {
    console.log(JSON.stringify(summary, null, 2));
    // The JSON is the record as this process holds it: said on stderr when the lake does not hold it so.
    if (record && (!record.written || record.stale)) console.error(`warning: run ${summary.runId}: record: ${recordSaid(summary.runId, record)}`);
  } else console.log(renderSummary(summary, config.project, record));
  // A definition failing on the data, or data failing a quality rule, is fixed by editing a definition or a
  // source file: a new run then (the error's hint says so), as a resume would be refused.
  if (!flags.json && (summary.state === 'failed' || summary.state === 'cancelled') && !(error instanceof DefinitionError || error instanceof QualityError)) {
    const hint = await resumeHint(config, summary.runId);
    if (hint) console.log(hint);
  }
  if (error) throw error;
  if (summary.state === 'cancelled') process.exitCode = 130;
}

/** How to continue a failed or cancelled run, when it finished tasks a resume would reuse. */
async function resumeHint(config: Config, runId: string): Promise<string | undefined> {
  const assessment = await assessResume(config, openObjectStore(config), runId, { underLock: false }).catch(() => undefined);
  const finished = assessment?.point?.tasks.map((t) => t.name) ?? [];
  if (!finished.length) return undefined;
  return `resume: once the cause is fixed, \`${DATALAKE} run --resume ${runId}\` continues this run, reusing what it finished (${finished.join(', ')}); refused if its source files or definitions change meanwhile`;
}
