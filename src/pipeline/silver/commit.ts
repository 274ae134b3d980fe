import { failpoint } from '../../failpoints.js';
import { clearStaging, publishAll } from '../shards.js';
import type { RunContext } from '../context.js';
import type { SilverChanges } from './combine.js';
import type { SilverPlan } from './plan.js';
import { silverObjects } from './state.js';

/**
 * Puts the run's objects in silver, under keys of this run, and hands the new state to the run's
 * version draft: nothing is visible to readers until the run commits its version. Returns the bytes written.
 */
export async function commitSilver(ctx: RunContext, plan: SilverPlan, changes: SilverChanges): Promise<number> {
  const { uploads, next } = changes;
  const { state, previous, rebuild, superseded, candidates } = plan;
  const bytes = await publishAll(ctx.lake, 'silver', uploads, () => failpoint('upload:first'));
  // Superseded versions and files of no dataset are done with; files still waiting are not.
  for (const f of superseded) delete next.waiting![f.key];
  next.processed = [...state.processed, ...superseded.map((f) => f.key), ...candidates.map((f) => f.key).filter((k) => !next.waiting![k])];
  // Gold rebuilds when silver's run changes: a run that only set files aside changed no data. A run
  // that wrote nothing may still have withdrawn rows (a new version of a file emptied its dataset).
  const objectsChanged = previous !== undefined && JSON.stringify(Object.keys(next.datasets).sort().map((d) => [d, next.datasets[d]!.rows, silverObjects(next, d)])) !== JSON.stringify(Object.keys(previous.datasets).sort().map((d) => [d, previous.datasets[d]!.rows, silverObjects(previous, d)]));
  next.runId = uploads.length || !previous || rebuild || objectsChanged ? ctx.runId : state.runId;
  next.updatedAt = new Date().toISOString();
  if (Object.keys(next.waiting!).length === 0) delete next.waiting;
  ctx.draft.setSilver(next);
  await clearStaging(ctx.lake, 'silver', ctx.runId);
  return bytes;
}
