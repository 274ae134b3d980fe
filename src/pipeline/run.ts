import type { Config } from '../config.js';
import { errorMessage, UserError } from '../errors.js';
import { openObjectStore, type ObjectStore } from '../lake/index.js';
import { openServingStore, type ServingStore } from '../serving/index.js';
import { runBronze } from './bronze.js';
import { RunContext, silentProgress, type ProgressSink, type StageResult } from './context.js';
import { runGold } from './gold.js';
import { runPublish } from './publish.js';
import { runSilver } from './silver.js';

export const STAGES = ['bronze', 'silver', 'gold', 'publish'] as const;
export type StageName = (typeof STAGES)[number];

export interface RunSummary {
  runId: string;
  /** `run` for the whole pipeline, else the single stage. */
  flow: 'run' | StageName;
  state: 'completed' | 'failed';
  startedAt: string;
  endedAt: string;
  seconds: number;
  lake: string;
  stages: StageResult[];
  /** Peak resident memory of the process so far (DuckDB's native memory included). */
  peakRssBytes: number;
  error?: { message: string; hint?: string; stage?: StageName };
}

export interface RunOptions {
  config: Config;
  stages?: readonly StageName[];
  progress?: ProgressSink;
  /** Rebuild silver from every bronze file, then gold, and republish, even when nothing new arrived. */
  fullRefresh?: boolean;
  /** Injected by tests; opened from the config otherwise. */
  store?: ObjectStore;
  serving?: ServingStore;
}

export const runKey = (runId: string) => `${runId}.json`;

/**
 * Runs stages in order and records the run in the lake (`runs/<runId>.json`), whether it completed
 * or failed. A failed stage stops the run; the stages before it keep what they wrote, and since each
 * stage uploads only after all its work succeeded, the failed one changed nothing.
 */
export async function runPipeline(options: RunOptions): Promise<{ summary: RunSummary; error?: unknown }> {
  const stages = options.stages ?? STAGES;
  const store = options.store ?? openObjectStore(options.config);
  const ctx = new RunContext(options.config, store, options.progress ?? silentProgress);
  const started = new Date();
  const results: StageResult[] = [];
  let serving = options.serving;
  let current: StageName | undefined;
  let error: unknown;
  try {
    await store.ensureBuckets();
    for (const stage of stages) {
      current = stage;
      if (stage === 'bronze') results.push(await runBronze(ctx));
      const force = options.fullRefresh === true;
      if (stage === 'silver') results.push(await runSilver(ctx, { fullRefresh: force }));
      if (stage === 'gold') results.push(await runGold(ctx, { force }));
      if (stage === 'publish') {
        serving ??= openServingStore(options.config);
        results.push(await runPublish(ctx, serving, { force }));
      }
    }
    current = undefined;
  } catch (err) {
    error = err;
  } finally {
    await ctx.close().catch(() => undefined);
    if (serving && !options.serving) await serving.close().catch(() => undefined);
  }
  const ended = new Date();
  const summary: RunSummary = {
    runId: ctx.runId,
    flow: stages.length === STAGES.length ? 'run' : stages.length === 1 ? stages[0]! : 'run',
    state: error ? 'failed' : 'completed',
    startedAt: started.toISOString(),
    endedAt: ended.toISOString(),
    seconds: (ended.getTime() - started.getTime()) / 1000,
    lake: store.description,
    stages: results,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    ...(error
      ? { error: { message: errorMessage(error), ...(error instanceof UserError && error.hint ? { hint: error.hint } : {}), ...(current ? { stage: current } : {}) } }
      : {}),
  };
  try {
    await store.putBytes('runs', runKey(ctx.runId), JSON.stringify(summary, null, 2));
  } catch {
    // The lake itself may be what failed (unreachable S3); the run's outcome is still reported to the caller.
  }
  return error === undefined ? { summary } : { summary, error };
}

/**
 * Past runs, newest first. Run ids start with their UTC start time, so the newest are the last keys:
 * only the records asked for are read, however long the history.
 */
export async function* newestRuns(store: ObjectStore): AsyncGenerator<RunSummary> {
  const keys = (await store.list('runs')).map((o) => o.key).filter((k) => k.endsWith('.json'));
  for (const key of keys.sort().reverse()) {
    const bytes = await store.getBytes('runs', key);
    if (bytes) yield JSON.parse(bytes.toString('utf8')) as RunSummary;
  }
}

export async function listRuns(store: ObjectStore, limit = Infinity): Promise<RunSummary[]> {
  const runs: RunSummary[] = [];
  for await (const run of newestRuns(store)) {
    if (runs.length >= limit) break;
    runs.push(run);
  }
  return runs;
}
