import { UserError } from '../errors.js';

/**
 * The words of orchestration: a **flow** (named, what a user starts or schedules) runs **tasks** (one
 * per medallion stage, in order, each retried on transient failures), and a task may split its work into
 * **shards** (one bronze file's cleaning, one month of gold) that workers take in parallel.
 */
export const TASKS = ['bronze', 'silver', 'gold', 'publish'] as const;
export type TaskName = (typeof TASKS)[number];

/** Named flows, like the seed's Prefect flows: the whole pipeline, or one task. */
export const FLOWS = {
  pipeline: TASKS,
  bronze_ingestion_flow: ['bronze'],
  silver_ingestion_flow: ['silver'],
  gold_ingestion_flow: ['gold'],
  publish_flow: ['publish'],
} as const satisfies Record<string, readonly TaskName[]>;
export type FlowName = keyof typeof FLOWS;

export function isFlowName(name: string): name is FlowName {
  return Object.hasOwn(FLOWS, name);
}

/** The flow that runs exactly these tasks (`datalake run bronze` runs bronze_ingestion_flow). */
export function flowForTasks(tasks: readonly TaskName[]): FlowName {
  const found = (Object.keys(FLOWS) as FlowName[]).find((f) => FLOWS[f].length === tasks.length && FLOWS[f].every((t, i) => tasks[i] === t));
  if (!found) throw new UserError(`no flow runs the tasks ${tasks.join(', ')}`, `flows: ${Object.keys(FLOWS).join(', ')}`);
  return found;
}
