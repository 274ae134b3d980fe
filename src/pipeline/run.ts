import { flowForTasks, runFlow, TASKS, type FlowOptions, type TaskName } from '../flows/flows.js';
import type { RunRecord } from '../flows/record.js';

/**
 * The stages as the CLI and the tests name them. A list of stages runs as the flow that has exactly
 * those tasks (src/flows/flows.ts), with the same lock, record and retries.
 */
export const STAGES = TASKS;
export type StageName = TaskName;
export type RunSummary = RunRecord;
export { listRuns, newestRuns, readRun, runKey } from '../flows/record.js';

export interface RunOptions extends Omit<FlowOptions, 'flow'> {
  stages?: readonly StageName[];
}

export async function runPipeline(options: RunOptions): Promise<{ summary: RunSummary; error?: unknown }> {
  const { stages, ...rest } = options;
  return runFlow({ ...rest, flow: flowForTasks(stages ?? STAGES) });
}
