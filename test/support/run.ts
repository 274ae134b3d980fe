import { flowForTasks, TASKS, type TaskName } from '../../src/flows/definitions.js';
import { runFlow, type FlowOptions } from '../../src/flows/run-flow.js';

/** The whole pipeline, or the flow of the tasks given, as `datalake run [task...]` runs it. */
export function runPipeline(options: Omit<FlowOptions, 'flow'> & { stages?: readonly TaskName[] }) {
  const { stages, ...rest } = options;
  return runFlow({ ...rest, flow: flowForTasks(stages ?? TASKS) });
}
