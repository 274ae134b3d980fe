import type { Config } from '../config.js';
import { describeInterruption, stoppedRunning, type Interruption } from '../flows/interrupted.js';
import { LakeLock } from '../flows/lock.js';
import { newestRuns, type RunRecord } from '../flows/record.js';
import { openObjectStore, type ObjectStore } from '../lake/index.js';
import type { PublishInfo } from '../serving/index.js';

/** The serving store's last publish; the store is loaded only when a run was killed. */
async function lastPublish(config: Config): Promise<PublishInfo | undefined> {
  const serving = (await import('../serving/index.js')).openServingStore(config);
  try {
    return await serving.lastPublish();
  } finally {
    await serving.close().catch(() => undefined);
  }
}

/** The runs among `runs` recorded as running that no live process holds the lake for (killed), with what each had done. */
export async function stoppedRuns(config: Config, lake: ObjectStore, runs: RunRecord[]): Promise<Map<string, Interruption>> {
  const found = new Map<string, Interruption>();
  if (!runs.some((r) => r.state === 'running')) return found;
  const lock = await LakeLock.read(lake);
  let last: Promise<PublishInfo | undefined> | undefined;
  for (const r of runs.filter((x) => stoppedRunning(x, lock))) {
    found.set(r.runId, await describeInterruption(lake, r, { lock, lastPublish: () => (last ??= lastPublish(config)) }));
  }
  return found;
}

/** `doctor`'s warning for the newest run when it is recorded as running and no process holds the lake: what it had done, what to do. */
export async function interruptedRun(config: Config): Promise<{ detail: string; fix: string } | undefined> {
  const lake = openObjectStore(config);
  for await (const r of newestRuns(lake)) {
    const what = (await stoppedRuns(config, lake, [r])).get(r.runId);
    if (!what) return undefined;
    const task = r.tasks.find((t) => t.state === 'running' && !t.parent)?.name;
    return { detail: `${r.flow} run ${r.runId} stopped while running${task ? ` (in ${task})` : ''}, no process holds the lake: killed? ${what.detail}`, fix: what.fix };
  }
  return undefined;
}

/** `datalake runs`: one line per run, newest first; a run killed while running says so, and what it had done. */
export function renderRunList(runs: RunRecord[], stopped: Map<string, Interruption>): string {
  return runs
    .map((r) => {
      const shards = (task: string) => r.tasks.filter((s) => s.parent === task).length;
      const tasks = r.tasks
        .filter((t) => !t.parent)
        .map((t) => `${t.name} ${t.state}${t.attempts.length > 1 ? ` (${t.attempts.length} attempts)` : ''}${shards(t.name) ? ` [${shards(t.name)} shards]` : ''}`)
        .join(', ');
      const what = stopped.get(r.runId);
      // A record left running has no time of its own: the time until it was last seen.
      const seconds = what ? (Date.parse(what.lastSeen) - Date.parse(r.startedAt)) / 1000 : r.seconds;
      const note = what ? `  stopped, no process holds the lake (killed?): it had ${what.summary}` : r.error ? `  error: ${r.error.message}` : '';
      return `${r.runId}  ${r.flow.padEnd(21)} ${r.state.padEnd(9)} ${seconds.toFixed(2).padStart(7)} s  ${tasks}${note}`;
    })
    .join('\n');
}
