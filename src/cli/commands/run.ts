import type { Config } from '../../config.js';
import { UserError } from '../../errors.js';
import { flowForTasks, type TaskName } from '../../flows/definitions.js';
import { connectedWorkers, followRun, submitRun } from '../../flows/queue/index.js';
import { LakeBusyError } from '../../flows/lock.js';
import { openObjectStore } from '../../lake/index.js';
import { runFlow } from '../../flows/run-flow.js';
import type { RunParameters } from '../../flows/record.js';
import { TerminalProgress } from '../progress.js';
import { renderSummary } from '../summary.js';

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
  const runId = await submitRun(config, { flow, fullRefresh: flags.fullRefresh === true, ...flowParameters(flags), trigger: 'cli' }, lake);
  if (!flags.json) console.log(`run ${runId} (${flow}) queued on Redis; waiting for a worker (\`npx datalake worker\`)…`);
  if ((await connectedWorkers(config)) === 0) {
    console.error('warning: no worker is connected to this Redis: the run waits until one starts (`npx datalake worker`, on any machine sharing the lake)');
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
  if (flags.json) console.log(JSON.stringify(record, null, 2));
  else console.log(renderSummary(record, config.project));
  if (record.state === 'failed' || record.state === 'audit_failed') {
    throw new UserError(`run ${runId} failed${record.error?.task ? ` in task ${record.error.task}` : ''}: ${record.error?.message ?? 'unknown error'}`, record.error?.hint);
  }
  if (record.state === 'cancelled') process.exitCode = 130;
}

export async function stagesCommand(config: Config, tasks: readonly TaskName[], flags: RunFlags): Promise<void> {
  if (config.redisUrl) return queuedCommand(config, tasks, flags);
  const progress = new TerminalProgress();
  // Ctrl+C cancels the run before its next task and records it as cancelled; a second Ctrl+C quits now.
  const cancel = new AbortController();
  const onSigint = () => {
    if (cancel.signal.aborted) process.exit(130);
    console.error('\ncancelling after the current task (Ctrl+C again to quit now)…');
    cancel.abort();
  };
  process.on('SIGINT', onSigint);
  const { summary, error } = await runFlow({
    config,
    flow: flowForTasks(tasks),
    progress,
    fullRefresh: flags.fullRefresh === true,
    ...flowParameters(flags),
    signal: cancel.signal,
    ...(flags.wait ? { waitMs: 24 * 3600_000 } : {}),
  }).finally(() => process.off('SIGINT', onSigint));
  if (error) progress.fail();
  if (error instanceof LakeBusyError) throw error;
  if (flags.json) console.log(JSON.stringify(summary, null, 2));
  else console.log(renderSummary(summary, config.project));
  if (error) throw error;
  if (summary.state === 'cancelled') process.exitCode = 130;
}
