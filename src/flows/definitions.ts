import { UserError } from '../errors.js';

/**
 * The words of orchestration: a **flow** (named, what a user starts or schedules) runs **tasks** (one
 * per medallion stage, in order, each retried on transient failures), and a task may split its work into
 * **shards** (one bronze file's cleaning, one month of gold) that workers take in parallel.
 */
export const TASKS = ['bronze', 'silver', 'gold', 'commit', 'publish'] as const;
/** Upkeep of the lake, each the first task of its own flow: vacuum deletes, compact rewrites small files. */
export const MAINTENANCE_TASKS = ['vacuum', 'compact'] as const;
export type TaskName = (typeof TASKS)[number] | (typeof MAINTENANCE_TASKS)[number];
/**
 * The stages a user runs by name (`datalake bronze`...). `commit` follows any stage that writes data:
 * the run's objects stay invisible until it makes them the lake's next version.
 */
export const STAGES = ['bronze', 'silver', 'gold', 'publish'] as const satisfies readonly TaskName[];
export type StageName = (typeof STAGES)[number];

/** Named flows, like the seed's Prefect flows: the whole pipeline, or one stage (and its commit). */
export const FLOWS = {
  pipeline: TASKS,
  bronze_ingestion_flow: ['bronze', 'commit'],
  silver_ingestion_flow: ['silver', 'commit'],
  gold_ingestion_flow: ['gold', 'commit'],
  publish_flow: ['publish'],
  /** Deletes what no kept version needs (`datalake vacuum`). */
  vacuum: ['vacuum'],
  /** Rewrites partitions made of many files into one each; gold follows, as a new version with the same rows. */
  compact: ['compact', 'gold', 'commit', 'publish'],
} as const satisfies Record<string, readonly TaskName[]>;
export type FlowName = keyof typeof FLOWS;

/** Flows a full refresh means nothing to: bronze keeps every file anyway, vacuum and compact rebuild nothing. */
export const NO_FULL_REFRESH: readonly FlowName[] = ['bronze_ingestion_flow', 'vacuum', 'compact'];
/** The flows that take a full refresh, as said in the refusal of the others. */
export const FULL_REFRESH_FLOWS = 'pipeline, silver_ingestion_flow, gold_ingestion_flow or publish_flow';

export function isFlowName(name: string): name is FlowName {
  return Object.hasOwn(FLOWS, name);
}

/** The flow that runs exactly these stages (`datalake bronze` runs bronze_ingestion_flow), their commit implied. */
export function flowForTasks(tasks: readonly TaskName[]): FlowName {
  const stages = (f: FlowName) => FLOWS[f].filter((t) => t !== 'commit');
  const wanted = tasks.filter((t) => t !== 'commit');
  const found = (Object.keys(FLOWS) as FlowName[]).find((f) => stages(f).length === wanted.length && stages(f).every((t, i) => wanted[i] === t));
  if (!found) throw new UserError(`no flow runs the tasks ${tasks.join(', ')}`, `flows: ${Object.keys(FLOWS).join(', ')}`);
  return found;
}
