import type { AlertEvent, Config } from '../config.js';
import { errorMessage } from '../errors.js';
import type { ObjectStore } from '../lake/index.js';
import { newestRuns, type RunRecord, type RunRecorder } from '../flows/record.js';
import { Alerter, outsideText } from './alerts.js';
import { track } from './pending.js';

/** The states a run ends in that say how it went (a cancelled run says nothing about the flow). */
const OUTCOMES = new Set<RunRecord['state']>(['completed', 'failed', 'audit_failed']);

/** The run of the same flow that ended before this one, if any. Run ids begin with their start time. */
export async function previousRun(lake: ObjectStore, record: RunRecord): Promise<RunRecord | undefined> {
  for await (const run of newestRuns(lake)) {
    if (run.runId >= record.runId || run.flow !== record.flow) continue;
    if (OUTCOMES.has(run.state)) return run;
  }
  return undefined;
}

/** The alert a run's end calls for: failed, audit failed, or (completed) recovered when the previous run of its flow had failed. */
async function runEvent(lake: ObjectStore, record: RunRecord, alerter: Alerter): Promise<{ event: AlertEvent; previous?: RunRecord } | undefined> {
  if (record.state === 'failed') return { event: 'run_failed' };
  if (record.state === 'audit_failed') return { event: 'audit_failed' };
  if (record.state !== 'completed' || !alerter.wants('recovered')) return undefined;
  const previous = await previousRun(lake, record);
  return previous && previous.state !== 'completed' ? { event: 'recovered', previous } : undefined;
}

function runText(config: Config, record: RunRecord, event: AlertEvent, previous: RunRecord | undefined): string {
  const head = `Data Lake ${config.project.name}: run ${record.runId} (${record.flow})`;
  const why = record.error ? outsideText(config.project, record.error.message) : 'unknown error';
  if (event === 'run_failed') return `${head} failed${record.error?.task ? ` in task ${record.error.task}` : ''}: ${why}`;
  if (event === 'audit_failed') {
    const checks = (record.audit ?? []).map((a) => `${a.table} ${a.check}`).join(', ');
    return `${head} failed its audit${checks ? ` (${checks})` : ''}: nothing was committed; \`datalake publish --approve ${record.runId}\` commits it anyway`;
  }
  return `${head} completed; the previous ${record.flow} run (${previous?.runId ?? '?'}) had ${previous?.state === 'audit_failed' ? 'failed its audit' : 'failed'}`;
}

/**
 * After a run ended (its record final and saved): the alert it calls for, in the background — the run
 * has returned already. The delivery is added to the run's record (`alerts`), which is saved again.
 */
export function alertRunEnd(config: Config, lake: ObjectStore, recorder: RunRecorder): void {
  // Whatever happens here stays here: the run's outcome is decided and returned.
  try {
    startRunAlert(config, lake, recorder);
  } catch (err) {
    console.error(`cannot send the alert of run ${recorder.record.runId}: ${errorMessage(err)}`);
  }
}

function startRunAlert(config: Config, lake: ObjectStore, recorder: RunRecorder): void {
  const alerter = new Alerter(config, lake);
  if (!alerter.enabled) return;
  const record = recorder.record;
  track(
    (async () => {
      const found = await runEvent(lake, record, alerter);
      if (!found || !alerter.wants(found.event)) return;
      const { event, previous } = found;
      const delivery = await alerter.send({
        event,
        text: runText(config, record, event, previous),
        run: {
          id: record.runId,
          flow: record.flow,
          state: record.state,
          ...(record.error?.task ? { task: record.error.task } : {}),
          ...(record.error ? { error: outsideText(config.project, record.error.message) } : {}),
          ...(previous ? { previous: previous.runId } : {}),
        },
      });
      if (!delivery) return;
      (record.alerts ??= []).push(await delivery);
      await recorder.save();
    })(),
    alerter.deadline() + 5000,
  );
}
